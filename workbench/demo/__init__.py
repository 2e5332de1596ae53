"""The demo clothing shop (服饰): its content, the generated buyers and orders, and the seeding.

An empty database starts as this shop and ``--reset-demo`` restores it (classrooms). This package
sits above :mod:`workbench.services`: it may call the use cases, and nothing in ``domain``, ``kb``,
``storage``, ``services`` or ``channels`` imports it.

* :mod:`workbench.demo.content`    what a DemoShop holds, and the shipped content (assets/demo)
* :mod:`workbench.demo.generator`  the generated customers and orders around that content
* :mod:`workbench.demo.aftersales` the after-sales cases, complaints, disputes and reviews
* :mod:`workbench.demo.crm`        customer management: tag library, groups, care templates, follow-ups
* :mod:`workbench.demo.seeding`    writes it all into the database in one transaction
* :mod:`workbench.demo.labs`       what a lab reset (one exercise) writes back
"""

from workbench.demo.content import DemoShop
from workbench.demo.generator import generate_demo_shop
from workbench.demo.seeding import reset_demo, seed_if_empty

__all__ = ["DemoShop", "generate_demo_shop", "reset_demo", "seed_if_empty"]
