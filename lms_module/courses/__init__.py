"""Who and where: users, courses, memberships, resource links and the launch session.

No protocol lives here: `lti/` turns a launch into these records, and every other room reads them
(or the frozen `LaunchContext`) without knowing where they came from."""
