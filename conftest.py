"""Root conftest: only loads the shared fixture plugin; each package keeps its own small fixtures."""

pytest_plugins = ["magt.testing.fixtures", "magt.testing.mail", "magt.testing.identity"]
