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
