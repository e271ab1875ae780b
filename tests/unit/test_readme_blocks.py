"""Every fenced block of README.md has a way to run in tests/readme/test_readme.py, or a reason why it cannot run
here: checked in the unit suite (it only reads the README), so that `make test` catches a new example that nothing
runs; the examples themselves run in `make readme`."""

from tests.readme import test_readme as readme


def test_every_readme_block_is_run_or_says_why():
    readme.test_every_readme_block_is_run_or_says_why()


def test_the_readme_test_runs_the_readme_of_this_checkout():
    assert readme.README.endswith("README.md") and len(readme.BLOCKS) >= 20
