"""A package, so that this directory's conftest and test modules get unique module names
(demo_lms.conftest, demo_lms.test_launch) and never shadow tests/conftest.py or other
test modules with the same file names."""
