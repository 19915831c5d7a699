"""The quiz library in the database: quizzes imported from files, each change a new version."""
