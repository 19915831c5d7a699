"""Delivering grades to the LMS: an outbox written with the result, and workers that send it."""
