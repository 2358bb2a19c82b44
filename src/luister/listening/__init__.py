"""Listening: the mention list people work with — its count, saved searches and bulk work (the rest of
listening still lives in ``luister.services``, moved here piece by piece)."""
