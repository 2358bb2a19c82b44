"""Organising the social business (issue #32): training modules, quizzes and the belts that gate permissions."""
