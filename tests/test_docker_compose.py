"""The docker/ files, parsed: no Docker engine runs where the tests run."""

import configparser
import os

import pytest
import yaml

from suitetools.odoo import REPO_ROOT, SUITE_MODULES

DOCKER = os.path.join(REPO_ROOT, "docker")


@pytest.fixture(scope="module")
def compose():
    with open(os.path.join(DOCKER, "compose.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_compose_services_use_official_images(compose):
    services = compose["services"]
    assert set(services) == {"db", "odoo"}
    assert services["odoo"]["image"] == "odoo:18.0"
    assert services["db"]["image"] == "postgres:16"


def test_compose_odoo_waits_for_healthy_database(compose):
    odoo = compose["services"]["odoo"]
    assert odoo["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "/web/health" in " ".join(odoo["healthcheck"]["test"])
    assert odoo["ports"] == ["8069:8069"]


def test_compose_volumes_are_named_and_mounted(compose):
    assert set(compose["volumes"]) == {"db-data", "odoo-data"}
    db_mounts = compose["services"]["db"]["volumes"]
    odoo_mounts = compose["services"]["odoo"]["volumes"]
    assert "db-data:/var/lib/postgresql/data" in db_mounts
    assert "odoo-data:/var/lib/odoo" in odoo_mounts
    assert "./odoo.conf:/etc/odoo/odoo.conf:ro" in odoo_mounts


def test_compose_mounts_the_suite_as_addons(compose):
    mounts = compose["services"]["odoo"]["volumes"]
    suite_mount = next(m for m in mounts if m.endswith(":/mnt/crm-suite:ro"))
    host_path = os.path.normpath(os.path.join(DOCKER, suite_mount.split(":")[0]))
    assert host_path == REPO_ROOT
    for module in SUITE_MODULES:
        assert os.path.isfile(os.path.join(host_path, module, "__manifest__.py")), module


def test_odoo_conf_addons_path_lists_the_suite():
    config = configparser.ConfigParser()
    config.read(os.path.join(DOCKER, "odoo.conf"))
    paths = config["options"]["addons_path"].split(",")
    assert paths[0] == "/mnt/crm-suite"
    assert "/usr/lib/python3/dist-packages/odoo/addons" in paths
    assert config["options"]["data_dir"] == "/var/lib/odoo"


def test_compose_database_credentials_match(compose):
    db_env = compose["services"]["db"]["environment"]
    odoo_env = compose["services"]["odoo"]["environment"]
    assert odoo_env["HOST"] == "db"
    assert odoo_env["USER"] == db_env["POSTGRES_USER"] == "odoo"
    assert odoo_env["PASSWORD"] == db_env["POSTGRES_PASSWORD"]
