"""Start and stop the assistant's two processes (action server and Rasa server)."""
