"""Intake of forms, validation against the law, the employee to leader workflow, the report of record."""
