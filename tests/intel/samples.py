"""A small multi-language repository for the index, ranking and pack tests.

Line numbers matter: test_languages.py asserts exact spans in these files.
"""

from __future__ import annotations

PYTHON_REPORT = '''\
import os
from .util import helper
from . import models


class Report:
    """Rows rendered as CSV."""

    def render(self, rows: list[str]) -> str:
        return helper(rows)


@cached
def parse_args(argv):
    return Report().render(argv)
'''

PYTHON_UTIL = """\
def helper(rows):
    return ",".join(rows)
"""

PYTHON_TEST = """\
from shop.report import parse_args


def test_parse_args_renders_rows():
    assert parse_args(["a"]) == "a"
"""

JAVASCRIPT = """\
import { helper } from "./util";
const fs = require("fs");

export class Cart extends Base {
  addItem(item) {
    return helper(item);
  }
}

export function checkout(cart) {
  return new Cart();
}

const total = (xs) => xs.reduce((a, b) => a + b, 0);
"""

JAVASCRIPT_UTIL = """\
export function helper(item) {
  return item;
}
"""

TYPESCRIPT = """\
import { Cart } from "./cart";

export interface Shipper {
  ship(order: Order): Promise<void>;
}

export type OrderId = string;

export enum Status { Open, Closed }

export class Order implements Shipper {
  async ship(order: Order): Promise<void> {
    await send(order);
  }
}

export function makeOrder(id: OrderId): Order {
  return new Order();
}
"""

TSX = """\
import { Order } from "./order";

export function OrderView(props: { order: Order }) {
  return <div>{renderOrder(props.order)}</div>;
}
"""

GO = """\
package store

import (
	"fmt"

	"example.com/shop/internal/util"
)

type Item struct {
	Name string
}

type Repository interface {
	Get(id string) (*Item, error)
}

func NewItem(name string) *Item {
	return &Item{Name: util.Clean(name)}
}

func (i *Item) String() string {
	return fmt.Sprintf("%s", i.Name)
}
"""

GO_UTIL = """\
package util

func Clean(name string) string {
	return name
}
"""

RUST = """\
use crate::util::clean;
mod util;

pub struct Ledger {
    entries: Vec<i64>,
}

pub trait Balance {
    fn balance(&self) -> i64;
}

impl Balance for Ledger {
    fn balance(&self) -> i64 {
        self.entries.iter().sum()
    }
}

pub fn open_ledger() -> Ledger {
    Ledger { entries: clean(vec![]) }
}
"""

RUST_UTIL = """\
pub fn clean(v: Vec<i64>) -> Vec<i64> {
    v
}
"""

JAVA = """\
package com.shop;

import com.shop.util.Helper;

public class Account extends Base {
    private int balance;

    public Account(int start) {
        this.balance = start;
    }

    public int deposit(int amount) {
        return Helper.add(balance, amount);
    }
}

interface Auditable {
    void audit();
}
"""

JAVA_HELPER = """\
package com.shop.util;

public class Helper {
    public static int add(int a, int b) {
        return a + b;
    }
}
"""

C_SOURCE = """\
#include "ledger.h"
#include <stdio.h>

struct point {
    int x;
    int y;
};

static int add(int a, int b) {
    return a + b;
}

char *name_of(struct point *p) {
    printf("%d", add(p->x, p->y));
    return 0;
}
"""

C_HEADER = """\
typedef struct ledger ledger_t;
int ledger_total(ledger_t *ledger);
"""

CPP = """\
#include "shape.hpp"

namespace geo {
class Shape {
public:
    virtual double area() const = 0;
    int sides() const { return count(); }
};

struct Circle : public Shape {
    double r;
    double area() const override;
};

double Circle::area() const {
    return 3.14 * r * r;
}
}
"""

CPP_HEADER = """\
#pragma once
int count();
"""

RUBY = """\
require_relative "helper"
require "json"

module Billing
  class Invoice < Base
    def total(items)
      items.sum { |i| compute(i) }
    end

    def self.build
      Invoice.new
    end
  end
end
"""

RUBY_HELPER = """\
def compute(item)
  item
end
"""

CSHARP = """\
using System;
using Shop.Util;

namespace Shop.Billing
{
    public interface IPayable
    {
        decimal Amount();
    }

    public class Payment : IPayable
    {
        private decimal value;

        public decimal Amount()
        {
            return Helper.Round(value);
        }
    }
}
"""

README = """\
# Shop

A sample shop used by the index tests. Reports are rendered as CSV.
"""

SAMPLE_FILES: dict[str, str] = {
    "README.md": README,
    "src/shop/__init__.py": "",
    "src/shop/models.py": "MODELS = []\n",
    "src/shop/report.py": PYTHON_REPORT,
    "src/shop/util.py": PYTHON_UTIL,
    "tests/test_report.py": PYTHON_TEST,
    "web/cart.js": JAVASCRIPT,
    "web/util.js": JAVASCRIPT_UTIL,
    "web/order.ts": TYPESCRIPT,
    "web/view.tsx": TSX,
    "go/store/item.go": GO,
    "go/internal/util/clean.go": GO_UTIL,
    "rust/src/lib.rs": RUST,
    "rust/src/util.rs": RUST_UTIL,
    "java/com/shop/Account.java": JAVA,
    "java/com/shop/util/Helper.java": JAVA_HELPER,
    "c/ledger.c": C_SOURCE,
    "c/ledger.h": C_HEADER,
    "cpp/shape.cpp": CPP,
    "cpp/shape.hpp": CPP_HEADER,
    "ruby/invoice.rb": RUBY,
    "ruby/helper.rb": RUBY_HELPER,
    "cs/Payment.cs": CSHARP,
}


# Languages beyond the first ten, kept out of SAMPLE_FILES so that the ranking and pack
# tests keep their repository; test_languages.py indexes both.

PHP = """\
<?php

namespace App\\Billing;

use App\\Support\\Money;
use App\\Contracts\\{Payable, Refundable as Refund};
require_once __DIR__ . '/../helpers.php';

interface Invoiceable
{
    public function total(): Money;
}

trait Discounts
{
    public function discount(int $percent): int
    {
        return intdiv($this->cents * $percent, 100);
    }
}

final class Invoice implements Invoiceable
{
    use Discounts;

    public function __construct(private int $cents) {}

    public function total(): Money
    {
        return Money::of(round_cents($this->cents));
    }
}

enum Status: string
{
    case Open = 'open';
}

function format_invoice(Invoice $invoice): string
{
    return sprintf('%d', $invoice->total()->cents());
}
"""

PHP_MONEY = """\
<?php

namespace App\\Support;

final class Money
{
    public static function of(int $cents): self
    {
        return new self($cents);
    }
}
"""

PHP_HELPERS = """\
<?php

function round_cents(int $cents): int
{
    return $cents;
}
"""

KOTLIN = """\
package com.shop.billing

import com.shop.util.Money
import com.shop.util.formatCents as fmt
import kotlinx.coroutines.*

interface Payable {
    fun amount(): Money
}

data class Invoice(val cents: Long) : Payable {
    override fun amount(): Money = Money.of(cents)

    fun render(): String {
        return fmt(roundCents(cents))
    }

    companion object {
        fun empty() = Invoice(0)
    }
}

object Registry {
    val invoices = mutableListOf<Invoice>()
}

enum class Status { OPEN, CLOSED }

typealias Ledger = List<Invoice>

fun total(invoices: List<Invoice>): Long =
    invoices.sumOf { it.cents }
"""

KOTLIN_MONEY = """\
package com.shop.util

data class Money(val cents: Long) {
    constructor(units: Int) : this(units * 100L)

    companion object {
        fun of(cents: Long) = Money(cents)
    }
}
"""

SWIFT = """\
import Foundation
import ShopCore

protocol Payable {
    func amount() -> Decimal
}

struct Invoice: Payable {
    let cents: Int

    func amount() -> Decimal {
        return Decimal(roundCents(cents)) / 100
    }
}

final class Ledger {
    private var invoices: [Invoice] = []

    init(invoices: [Invoice]) {
        self.invoices = invoices
    }

    func add(_ invoice: Invoice) {
        invoices.append(invoice)
    }
}

extension Ledger: CustomStringConvertible {
    var description: String { "Ledger" }
}

enum Status {
    case open, closed
}

func total(_ invoices: [Invoice]) -> Int {
    return invoices.reduce(0) { $0 + $1.cents }
}
"""

SWIFT_CORE = """\
public func roundCents(_ cents: Int) -> Int {
    return cents
}
"""

SCALA = """\
package com.shop.billing

import com.shop.util.Money
import com.shop.util.{Cents, Rounding => R}
import scala.concurrent._

trait Payable {
  def amount: Money
}

case class Invoice(cents: Long) extends Payable {
  def amount: Money = Money.of(R.round(cents))

  def render(prefix: String): String = {
    prefix + formatCents(cents)
  }
}

object Invoice {
  def empty: Invoice = new Invoice(0)
}

enum Status { case Open, Closed }

type Ledger = List[Invoice]
"""

SCALA_MONEY = """\
package com.shop.util

case class Money(cents: Long)

object Money {
  def of(cents: Long): Money = Money(cents)
}
"""

LUA = """\
local json = require("cjson")
local money = require "shop.util.money"

local Invoice = {}
Invoice.__index = Invoice

function Invoice.new(cents)
  local self = setmetatable({}, Invoice)
  self.cents = cents
  return self
end

function Invoice:render(prefix)
  return prefix .. money.format(self.cents)
end

local function round_cents(value)
  return math.floor(value + 0.5)
end

local describe = function(invoice)
  return invoice:render("Invoice ")
end

return Invoice
"""

LUA_MONEY = """\
local M = {}

function M.format(cents)
  return string.format("%d", cents)
end

return M
"""

ELIXIR = """\
defmodule Shop.Billing.Invoice do
  @moduledoc "Invoices and their totals."

  alias Shop.Billing.{Line, Tax}
  import Ecto.Query, only: [from: 2]
  require Logger

  defstruct [:lines, :cents]

  def total(%__MODULE__{lines: lines}) do
    lines
    |> Enum.map(&Line.cents/1)
    |> Enum.sum()
    |> round_cents()
  end

  def render(invoice), do: Tax.format(total(invoice))

  defp round_cents(value) when is_integer(value) do
    value
  end

  defprotocol Printable do
    def print(data)
  end
end
"""

ELIXIR_LINE = """\
defmodule Shop.Billing.Line do
  def cents(line), do: line.cents
end
"""

BASH = """\
#!/usr/bin/env bash
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/lib/log.sh"
. ./missing.sh

build_image() {
  local tag="$1"
  log_info "building $tag"
  docker build -t "$tag" .
}

function push_image {
  build_image "$1"
  docker push "$1"
}

push_image "${1:-latest}"
"""

BASH_LOG = """\
log_info() {
  echo "[info] $*" >&2
}
"""

SHEBANG_SCRIPT = """\
#!/bin/sh
. "$(dirname "$0")/../scripts/lib/log.sh"

release() {
  log_info "releasing"
}
"""

CPP_IN_H = """\
#pragma once
#include <vector>

namespace geo {
template <typename T>
class Polygon {
public:
    explicit Polygon(std::vector<T> points) : points_(std::move(points)) {}
    T perimeter() const { return sum(points_); }

private:
    std::vector<T> points_;
};

int count_sides(const Polygon<int>& polygon);
}
"""

C_API_HEADER = """\
#ifndef SHOP_API_H
#define SHOP_API_H

/* A C API: this class of functions is safe to call from C++ too. */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct shop shop_t;
int shop_open(shop_t **shop, const char *path);
void shop_close(shop_t *shop);

#ifdef __cplusplus
}
#endif

#endif
"""

MORE_LANGUAGE_FILES: dict[str, str] = {
    "php/src/Billing/Invoice.php": PHP,
    "php/src/Support/Money.php": PHP_MONEY,
    "php/src/helpers.php": PHP_HELPERS,
    "kotlin/src/main/kotlin/shop/billing/Invoice.kt": KOTLIN,
    "kotlin/src/main/kotlin/shop/util/Money.kt": KOTLIN_MONEY,
    "swift/Sources/Billing/Ledger.swift": SWIFT,
    "swift/Sources/ShopCore/Rounding.swift": SWIFT_CORE,
    "scala/src/main/scala/com/shop/billing/Invoice.scala": SCALA,
    "scala/src/main/scala/com/shop/util/Money.scala": SCALA_MONEY,
    "lua/shop/invoice.lua": LUA,
    "lua/shop/util/money.lua": LUA_MONEY,
    "elixir/lib/shop/billing/invoice.ex": ELIXIR,
    "elixir/lib/shop/billing/line.ex": ELIXIR_LINE,
    "scripts/deploy.sh": BASH,
    "scripts/lib/log.sh": BASH_LOG,
    "bin/release": SHEBANG_SCRIPT,
    "cpp/polygon.h": CPP_IN_H,
    "c/shop_api.h": C_API_HEADER,
}
