"""Tests of the pure inbound understanding module."""
