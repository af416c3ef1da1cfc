"""The main job, the operator CLI and the local infrastructure scripts."""
