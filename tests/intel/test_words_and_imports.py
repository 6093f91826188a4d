from __future__ import annotations

import pytest

from codecot_mcp.intel.imports import ImportResolver, module_specs
from codecot_mcp.intel.tokens import estimate_tokens
from codecot_mcp.intel.words import identifier_tokens, normalize_name, path_tokens, split_identifier


@pytest.mark.parametrize(
    ("identifier", "parts"),
    [
        ("parse_args", ("parse", "args")),
        ("parseArgs", ("parse", "args")),
        ("ParseArgs", ("parse", "args")),
        ("HTTPServer", ("http", "server")),
        ("__init__", ("init",)),
        ("utf8_decode", ("utf8", "decode")),
        ("getHTTP2Stream", ("get", "http2", "stream")),
    ],
)
def test_identifiers_split_on_snake_and_camel_case(identifier: str, parts: tuple[str, ...]) -> None:
    assert split_identifier(identifier) == parts


def test_identifier_tokens_include_the_whole_name() -> None:
    assert identifier_tokens("parseArgs") == ("parse", "args", "parseargs")
    assert identifier_tokens("x") == ()


def test_spellings_of_one_name_normalize_alike() -> None:
    assert (
        normalize_name("parseArgs")
        == normalize_name("ParseArgs")
        == normalize_name("parse_args")
        == "parse_args"
    )


def test_path_tokens_cover_folders_and_stem() -> None:
    assert path_tokens("src/codecot_mcp/intel/index.py") == [
        "src",
        "codecot",
        "mcp",
        "codecot_mcp",
        "intel",
        "index",
    ]


@pytest.mark.parametrize(
    ("text", "tokens"), [("", 0), ("abc", 1), ("abcd", 1), ("abcde", 2), ("x" * 400, 100)]
)
def test_tokens_are_estimated_as_characters_over_four(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


@pytest.mark.parametrize(
    ("language", "text", "specs"),
    [
        ("python", "import os.path as p, sys", ["os.path", "sys"]),
        ("python", "from . import models", [".", ".models"]),
        (
            "python",
            "from ..pkg.mod import (a,\n    b as c,  # note\n)",
            ["..pkg.mod", "..pkg.mod.a", "..pkg.mod.b"],
        ),
        ("python", "from x import *", ["x"]),
        ("go", '"example.com/a/b"', ["example.com/a/b"]),
        ("rust", "crate::util::{clean, Other}", ["crate::util"]),
        ("javascript", "./util", ["./util"]),
        ("php", "use App\\Models\\User;", ["App\\Models\\User"]),
        ("php", "use App\\{Models\\User, Models\\Post as P};", ["App\\Models\\User", "App\\Models\\Post"]),
        ("php", "use function App\\Support\\money, \\Other\\Thing;", ["App\\Support\\money", "Other\\Thing"]),
        ("php", "__DIR__ . '/../helpers.php'", ["./../helpers.php"]),
        ("php", "config/app.php", ["config/app.php"]),
        ("kotlin", "import com.shop.util.Money as Cash", ["com.shop.util.Money"]),
        ("kotlin", "import com.shop.`when`.Rule", ["com.shop.when.Rule"]),
        ("scala", "import com.shop.{Cart, Order => O, _}", ["com.shop.Cart", "com.shop.Order", "com.shop.*"]),
        ("scala", "import com.shop.Cart as C, scala.util._", ["com.shop.Cart", "scala.util.*"]),
        ("elixir", "Shop.{Cart, Order}", ["Shop.Cart", "Shop.Order"]),
        ("elixir", "__MODULE__.Helpers", []),
        ("bash", '"$DIR/lib/log.sh"', ["$DIR/lib/log.sh"]),
        ("lua", "shop.cart", ["shop.cart"]),
    ],
)
def test_import_statements_name_their_modules(language: str, text: str, specs: list[str]) -> None:
    assert module_specs(language, text) == specs


FILES = [
    "pkg/__init__.py",
    "pkg/mod.py",
    "pkg/sub/__init__.py",
    "pkg/sub/leaf.py",
    "src/lib/core.py",
    "web/a.ts",
    "web/b/index.tsx",
    "web/c.js",
    "crate/src/lib.rs",
    "crate/src/net/mod.rs",
    "crate/src/net/tcp.rs",
    "java/com/x/Foo.java",
    "inc/util.h",
    "lib/tool.rb",
    "app/Models/User.php",
    "app/helpers.php",
    "app/Http/Controllers/CartController.php",
    "src/main/kotlin/shop/util/Money.kt",
    "src/main/scala/com/shop/Cart.scala",
    "Sources/ShopCore/Cart.swift",
    "Sources/ShopCore/Order.swift",
    "lua/shop/cart.lua",
    "shop/order/init.lua",
    "apps/shop/lib/shop/billing/http_client.ex",
    "lib/shop.ex",
    "scripts/deploy.sh",
    "scripts/lib/log.sh",
    "scripts/env.sh",
]


@pytest.mark.parametrize(
    ("language", "module", "from_path", "resolved"),
    [
        ("python", "pkg.mod", "main.py", ["pkg/mod.py"]),
        ("python", "pkg.sub", "main.py", ["pkg/sub/__init__.py"]),
        ("python", ".leaf", "pkg/sub/__init__.py", ["pkg/sub/leaf.py"]),
        ("python", "..mod", "pkg/sub/leaf.py", ["pkg/mod.py"]),
        ("python", "lib.core", "main.py", ["src/lib/core.py"]),
        ("python", "os", "main.py", []),
        ("typescript", "./b", "web/a.ts", ["web/b/index.tsx"]),
        ("typescript", "./c.js", "web/a.ts", ["web/c.js"]),
        ("typescript", "./a.js", "web/c.js", ["web/a.ts"]),
        ("javascript", "react", "web/c.js", []),
        ("rust", "crate::net::tcp::Stream", "crate/src/lib.rs", ["crate/src/net/tcp.rs"]),
        ("rust", "super::tcp", "crate/src/net/mod.rs", []),
        ("rust", "self::tcp", "crate/src/net/mod.rs", ["crate/src/net/tcp.rs"]),
        ("rust", "std::io", "crate/src/lib.rs", []),
        ("java", "com.x.Foo", "java/Main.java", ["java/com/x/Foo.java"]),
        ("java", "com.x.*", "java/Main.java", []),
        ("c", "util.h", "src/main.c", ["inc/util.h"]),
        ("ruby", "tool", "bin/run.rb", ["lib/tool.rb"]),
        ("c_sharp", "System", "a.cs", []),
        ("php", "App\\Models\\User", "app/Http/Controllers/CartController.php", ["app/Models/User.php"]),
        ("php", "Illuminate\\Support\\Str", "app/helpers.php", []),
        ("php", "User", "app/helpers.php", []),  # a lone class name could be anyone's
        ("php", "./../helpers.php", "app/Models/User.php", ["app/helpers.php"]),
        (
            "kotlin",
            "com.shop.util.Money",
            "src/main/kotlin/shop/App.kt",
            ["src/main/kotlin/shop/util/Money.kt"],
        ),
        ("kotlin", "com.shop.util.Money.Companion", "a.kt", ["src/main/kotlin/shop/util/Money.kt"]),
        ("kotlin", "com.shop.util.*", "a.kt", []),
        ("kotlin", "org.junit.Test", "a.kt", []),
        ("scala", "com.shop.Cart", "a.scala", ["src/main/scala/com/shop/Cart.scala"]),
        ("scala", "com.shop.*", "a.scala", []),
        (
            "swift",
            "ShopCore",
            "Sources/App/main.swift",
            ["Sources/ShopCore/Cart.swift", "Sources/ShopCore/Order.swift"],
        ),
        ("swift", "Foundation", "Sources/App/main.swift", []),
        ("lua", "shop.cart", "main.lua", ["lua/shop/cart.lua"]),
        ("lua", "shop.order", "main.lua", ["shop/order/init.lua"]),
        ("lua", "cjson", "main.lua", []),
        ("elixir", "Shop.Billing.HTTPClient", "lib/a.ex", ["apps/shop/lib/shop/billing/http_client.ex"]),
        ("elixir", "Shop", "test/a.exs", ["lib/shop.ex"]),
        ("elixir", "Logger", "lib/a.ex", []),
        ("bash", "./lib/log.sh", "scripts/deploy.sh", ["scripts/lib/log.sh"]),
        ("bash", "scripts/env.sh", "scripts/deploy.sh", ["scripts/env.sh"]),  # run from the root
        ("bash", "$SCRIPT_DIR/lib/log.sh", "scripts/deploy.sh", ["scripts/lib/log.sh"]),
        ("bash", '$(dirname "$0")/env.sh', "scripts/lib/log.sh", []),  # beside the script only
        ("bash", '$(dirname "$0")/../env.sh', "scripts/lib/log.sh", ["scripts/env.sh"]),
        ("bash", "${BASH_SOURCE%/*}/env.sh", "scripts/deploy.sh", ["scripts/env.sh"]),
        ("bash", "$HOME/.bashrc", "scripts/deploy.sh", []),
        ("bash", "/etc/profile", "scripts/deploy.sh", []),
        ("bash", "../../outside.sh", "scripts/deploy.sh", []),
    ],
)
def test_imports_resolve_to_repository_files(
    language: str, module: str, from_path: str, resolved: list[str]
) -> None:
    assert ImportResolver(FILES).resolve(language, module, from_path) == resolved
