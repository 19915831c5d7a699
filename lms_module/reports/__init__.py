"""Instructors' reports: gradebook, attempt review, manual grading, statistics, exports."""
