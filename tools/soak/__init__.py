"""Fault soak of the job and settings modules against the simulator (see run.py)."""
