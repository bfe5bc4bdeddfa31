"""Reminders to units that have not sent an accepted report for a period (flow `remind-missing`):
who is missing (missing.py), the letter (letter.py), sending by SMTP (send.py), one round of
reminders written to outbox/ and recorded in the warehouse (round.py)."""
