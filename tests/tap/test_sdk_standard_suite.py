"""singer-sdk's standard tap tests, run against the simulator over HTTP."""

from __future__ import annotations

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from helpscout_sim import SimulatorConfig, SimulatorServer
from tap_helpscout.tap import TapHelpScout

# Optional fields (a thread's `scheduled`, for one) may be absent from a small sample; the
# suite's warning about it is information, not a failure.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Fields in transformed catalog but not in records:UserWarning"
)

# The suite's config is fixed when the class is built, so the simulator starts with the module
# and stops with it (teardown_module).
_SIMULATOR = SimulatorServer(
    SimulatorConfig(seed=21, conversations=60, customers=40, rate_limit_per_minute=0)
).start()


def teardown_module() -> None:
    _SIMULATOR.stop()


_CONFIG = {
    "client_id": _SIMULATOR.config.client_id,
    "client_secret": _SIMULATOR.config.client_secret,
    "start_date": "2020-01-01T00:00:00Z",
    "api_url": _SIMULATOR.url,
}


def _everything_selected() -> dict:
    """The discovered catalog with the opt-in streams selected too, so the suite covers them."""
    catalog = TapHelpScout(config=_CONFIG, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = True
    return catalog


TestTapHelpScout = get_tap_test_class(
    TapHelpScout,
    config=_CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
    catalog=_everything_selected(),
)
