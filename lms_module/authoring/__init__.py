"""Instructors' side of an activity: choosing a quiz (also by deep linking), settings, previews."""
