"""Organising the social business (issue #32): training, quizzes and the belts that gate permissions."""
