"""Every fenced block of docs/tutorial.md is run, checked as output, written as a file, or says why not
(tests/readme/test_tutorial.py): checked in the unit suite (it only reads the tutorial), so that `make test` catches a
new block nothing runs or checks; the tutorial itself runs in `make readme`. And the rule that compares the output
the tutorial shows with what its commands print, on cases of its own."""

from tests.harness.checkout import Block
from tests.readme import test_tutorial as tutorial

PRINTED = """[WARNING]: No inventory was parsed, only implicit localhost is available

TASK [Show the summary] ********************************************************
ok: [localhost] => {
    "msg": "2 application(s): 2 changed, 0 unchanged, 0 failed"
}

PLAY RECAP *********************************************************************
localhost                  : ok=6    changed=1    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
""".replace("ignored=0\n", "ignored=0   \n")  # Ansible ends the recap line with spaces


def test_every_tutorial_block_is_run_or_says_why():
    tutorial.test_every_tutorial_block_is_run_or_says_why()


def test_the_tutorial_test_reads_the_tutorial_of_this_checkout():
    assert tutorial.TUTORIAL.endswith("docs/tutorial.md") and len(tutorial.BLOCKS) >= 30
    kinds = [kind for kind, _block, _detail in tutorial.steps()]
    assert kinds[0] == "not_run" and kinds[-1] == "run"  # the clone; the simulator stopped


def test_shown_lines_must_be_printed_in_order_with_dots_for_what_varies():
    shown = ('...\n    "msg": "2 application(s): 2 changed, 0 unchanged, 0 failed"\n...\n'
             "localhost                  : ok=6    changed=1    unreachable=0    failed=0    skipped=1    rescued=0"
             "    ignored=0\n")
    assert tutorial.shown_lines_missing(shown, PRINTED) is None
    assert tutorial.shown_lines_missing('    "msg": "... application(s): ... changed, ..."\n', PRINTED) is None
    # a count that differs, a line cut short without "...", lines in the wrong order: each is a failure
    assert "changed=0" in tutorial.shown_lines_missing(shown.replace("changed=1", "changed=0"), PRINTED)
    assert tutorial.shown_lines_missing("TASK [Show the summary]\n", PRINTED)
    assert tutorial.shown_lines_missing("PLAY RECAP ***" + "*" * 67 + "\nTASK [Show the summary] " + "*" * 56 + "\n",
                                        PRINTED)


def test_a_block_of_no_kind_fails_naming_it():
    blocks = [Block("x", "bash", "echo hi\n", 1, "docs/tutorial.md"),
              Block("x", "text", "hi\n", 3, "docs/tutorial.md"),
              Block("x", "text", "a second output block\n", 5, "docs/tutorial.md"),
              Block("x", "yaml", "# apps.yml\napplications: []\n", 7, "docs/tutorial.md")]
    try:
        tutorial.steps(blocks)
    except AssertionError as error:
        assert "docs/tutorial.md:5" in str(error) and "docs/tutorial.md:1 " not in str(error)
    else:
        raise AssertionError("a text block after a text block was taken")
    assert [kind for kind, _block, _detail in tutorial.steps(blocks[:2] + blocks[3:])] == ["run", "output", "file"]
