"""Test support shared by every app: personas, the network guard, the browser."""
