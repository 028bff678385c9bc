"""Custom actions of the microneedling FAQ assistant (served by rasa-sdk)."""
