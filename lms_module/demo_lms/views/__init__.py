"""Blueprints of the demo LMS, one per protocol area."""
