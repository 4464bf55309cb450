"""Placeholder service for docker/python-service: prints a greeting and exits."""

print("python service: ok")
