"""The student's attempt: start, answer, autosave, time limit, submit, result."""
