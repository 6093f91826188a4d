"""context_pack(task_id) ranks on the discussion the intent was captured from."""

from codecot_mcp.services.operations import CAPTURE_INTENT, CONTEXT_PACK, DRAFT_SPEC, SCOPE_TASK
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS
from tests.conftest import MakeRepo

FILES = {
    "src/shop/settings.py": "currency_precision_override = False\n",
    "src/shop/cart.py": "def add_item(cart, item):\n    cart.append(item)\n    return cart\n",
    "src/shop/codec.py": "def decode_price(raw):\n    return int(raw.split('.')[1])\n",
    "src/shop/report.py": "def cart_report(cart):\n    return len(cart)\n",
    "tests/test_cart.py": "from src.shop.cart import add_item\n",
}
# Only the environment line, which yields no intent item, names the setting.
ISSUE = """Adding an item to the cart crashes

The cart should accept prices without cents.

### Environment
shop 1.2 with currency_precision_override enabled
"""


def _task(ws: Workspace) -> str:
    intent = CAPTURE_INTENT.invoke(ws, discussion=ISSUE).intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    return SCOPE_TASK.invoke(ws, spec_id=spec.id).tasks[0].id


def test_the_task_pack_ranks_as_the_issue_text_does(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo(FILES))
    task_id = _task(ws)
    task_pack = CONTEXT_PACK.invoke(ws, task_id=task_id, token_budget=2000)
    query_pack = CONTEXT_PACK.invoke(ws, query=ISSUE, token_budget=2000)
    assert [f.path for f in task_pack.files] == [f.path for f in query_pack.files]
    # Ranked on the items and the derived scope, the setting came fourth, below the cart's test.
    assert [f.path for f in task_pack.files][:2] == ["src/shop/cart.py", "src/shop/settings.py"]
    assert task_pack.task_id == task_id


def test_the_intent_file_keeps_the_discussion_so_the_pack_survives_a_restart(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    task_id = _task(Workspace(root))
    text = (root / ".codecot" / "intents" / "INT-1.md").read_text()
    assert "> shop 1.2 with currency_precision_override enabled" in text
    pack = CONTEXT_PACK.invoke(Workspace(root), task_id=task_id, token_budget=2000)
    assert pack.files[1].path == "src/shop/settings.py"


def test_an_intent_without_its_discussion_still_packs_from_its_items(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo(FILES))
    task_id = _task(ws)
    intent = ws.store.load(INTENTS, "INT-1")
    ws.store.save(INTENTS, "INT-1", intent.model_copy(update={"discussion": ""}), "intent.edited")
    pack = CONTEXT_PACK.invoke(ws, task_id=task_id, token_budget=2000)
    assert "## Discussion" not in (ws.root / ".codecot" / "intents" / "INT-1.md").read_text()
    assert pack.task_id == task_id
    assert [f.path for f in pack.files][:2] == ["src/shop/cart.py", "tests/test_cart.py"]
