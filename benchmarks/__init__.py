"""Benchmarks of the bot against a bare Bolt app: ``python -m benchmarks [--quick]``.

Not tests: they print figures and ratios, say which goals were met or missed, and write
``docs/benchmarks.md``. One module per benchmark (``latency``, ``throughput``,
``economy``, ``size``); ``load`` (the load generator), ``stats`` and ``report`` are
shared; ``stack`` starts what they run against, ``workshop`` and ``votes`` set up the
workshops and the requests, ``cpu`` reads CPU time, ``bare`` is the baseline app.
"""
