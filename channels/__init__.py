"""Input channels of the microneedling FAQ assistant."""
