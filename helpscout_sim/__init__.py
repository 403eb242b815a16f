"""A local simulator of Help Scout's Inbox API 2.0 and Reports API, for offline tests.

It serves seeded, deterministic data over real HTTP on 127.0.0.1 and exposes ``/_sim/``
endpoints to inspect what it holds and to change its behaviour while it runs.
"""

from __future__ import annotations

from helpscout_sim.config import SimulatorConfig
from helpscout_sim.server import SimulatorServer

__all__ = ["SimulatorConfig", "SimulatorServer"]
