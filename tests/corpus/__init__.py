"""Measured corpus for the text scanners: malicious inputs and benign look-alikes per check."""
