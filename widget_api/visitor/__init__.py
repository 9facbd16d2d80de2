"""The visitor API, /api/v1: FAQ answers, handoffs, the error shape and the OpenAPI document."""
