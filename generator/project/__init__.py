"""The project: its root and `site_config.yml`, its content tree and extension directories, and where each file lives in the output."""
