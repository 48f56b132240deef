"""The simulated Slack Web API: one module per method family, a registry to dispatch."""
