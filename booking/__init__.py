"""Clinic setup, patients, staff, audit and (soon) appointments: the product's top layer."""
