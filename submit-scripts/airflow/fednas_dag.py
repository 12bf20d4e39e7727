"""Airflow DAG that schedules a FedNAS-Spark search with SparkSubmitOperator.

It submits exactly what `submit-scripts/submit-yarn.sh CONF` (or -k8s / -standalone) would: the
arguments come from the same builder, submit-scripts/lib/fednas_submit.py, and the same presets.

Setup (see docs/DEPLOY.md):
  - a FedNAS-Spark checkout on the Airflow workers (FEDNAS_HOME), with the dist jar built there or
    the preset's fednas.jar pointing at a copy the cluster can read;
  - this file in the DAGs folder;
  - a Spark connection (default id `fednas_spark`) whose host is the master and whose extra says
    the deploy mode, as `connection_fields()` prints, e.g. host `yarn`, extra {"deploy-mode": "cluster"};
  - optional environment: FEDNAS_PRESET (yarn | k8s | standalone), FEDNAS_CONFIG (the job config),
    FEDNAS_OVERRIDES (space-separated key=value job overrides), FEDNAS_MASTER (the master URL, for
    presets that name none), FEDNAS_SCHEDULE (cron, default weekly).
"""
import os
import sys
from datetime import datetime

FEDNAS_HOME = os.environ.get(
    "FEDNAS_HOME", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(FEDNAS_HOME, "submit-scripts", "lib"))
import fednas_submit  # noqa: E402  (found through FEDNAS_HOME)

PRESET = os.environ.get("FEDNAS_PRESET", "yarn")
CONFIG = os.environ.get("FEDNAS_CONFIG", os.path.join(FEDNAS_HOME, "conf", "fednas-mnist.conf"))
OVERRIDES = os.environ.get("FEDNAS_OVERRIDES", "").split()
MASTER = os.environ.get("FEDNAS_MASTER")  # needed when the preset names none (k8s, standalone)
CONN_ID = os.environ.get("FEDNAS_SPARK_CONN_ID", "fednas_spark")

# spark-submit options that SparkSubmitOperator has no argument for travel as Spark properties
OPTION_AS_PROPERTY = {"queue": "spark.yarn.queue", "driver-cores": "spark.driver.cores"}


def submit_plan(preset=PRESET, config=CONFIG, overrides=tuple(OVERRIDES), gpu=False, master=MASTER):
    presets = [os.path.join(FEDNAS_HOME, "conf", "cluster", preset + ".properties")]
    if gpu:
        presets.append(os.path.join(FEDNAS_HOME, "conf", "cluster", "gpu.properties"))
    return fednas_submit.plan(presets, config, list(overrides), master=master)


def operator_kwargs(plan):
    """SparkSubmitOperator's arguments for a plan (master and deploy mode live in the connection)."""
    options = plan["options"]
    conf = dict(plan["conf"])
    for option, prop in OPTION_AS_PROPERTY.items():
        if option in options:
            conf[prop] = options[option]
    kwargs = {
        "conn_id": CONN_ID,
        "application": plan["application"],
        "java_class": plan["java_class"],
        "name": options["name"],
        "conf": conf,
        "files": ",".join(plan["files"]),
        "application_args": list(plan["application_args"]),
    }
    if plan["env"]:  # a standalone cluster's secret file, by name: the driver reads it
        kwargs["env_vars"] = dict(plan["env"])
    for option in ("num-executors", "executor-cores", "total-executor-cores"):
        if option in options:
            kwargs[option.replace("-", "_")] = int(options[option])
    for option in ("executor-memory", "driver-memory"):
        if option in options:
            kwargs[option.replace("-", "_")] = options[option]
    return kwargs


def connection_fields(plan):
    """What the Airflow Spark connection must hold for this plan."""
    return {"conn_id": CONN_ID, "conn_type": "spark", "host": plan["options"]["master"],
            "extra": {"deploy-mode": plan["options"]["deploy-mode"]}}


try:
    from airflow import DAG
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
except ImportError:  # imported outside Airflow (the project's tests): the functions above still work
    DAG = None

if DAG is not None:
    with DAG(
        dag_id="fednas_search",
        description="Federated NetAdapt search (FedNAS-Spark) on " + PRESET,
        schedule=os.environ.get("FEDNAS_SCHEDULE", "@weekly"),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,  # two searches writing one output.dir would collide
        # no automatic retry: a run directory is never overwritten, so a retry would only fail again
        default_args={"retries": 0},
        tags=["fednas"],
    ) as dag:
        SparkSubmitOperator(task_id="fednas_search", **operator_kwargs(submit_plan()))
