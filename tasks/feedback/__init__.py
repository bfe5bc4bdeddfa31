"""Feedback to a reporting unit inside its own workbook (INTERFACE.md `feedback/`)."""
