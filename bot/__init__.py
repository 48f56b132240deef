"""storymap: a Slack bot that runs User Story Mapping workshops in a team channel."""
