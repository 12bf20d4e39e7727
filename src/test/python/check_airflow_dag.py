"""Checks that the Airflow DAG submits what submit-<preset>.sh --dry-run prints.

Usage: [FEDNAS_MASTER=URL] python3 check_airflow_dag.py PRESET CONFIG [key=value ...]   (from the project root)
Renders the DAG's SparkSubmitOperator arguments as Airflow's SparkSubmitHook would pass them to
spark-submit (master and deploy mode from the connection), normalises both commands to
(master, deploy mode, Spark properties, files, class, jar, arguments), and exits 1 on any difference.
"""
import ast
import os
import shlex
import subprocess
import sys

DAG_FILE = "submit-scripts/airflow/fednas_dag.py"
PROPERTY_OF = {"num-executors": "spark.executor.instances", "executor-cores": "spark.executor.cores",
               "executor-memory": "spark.executor.memory", "driver-memory": "spark.driver.memory",
               "driver-cores": "spark.driver.cores", "total-executor-cores": "spark.cores.max",
               "queue": "spark.yarn.queue", "name": "spark.app.name"}


def normalise(argv):
    """spark-submit argv (after the launcher) -> comparable dict."""
    out = {"conf": {}, "args": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--conf":
            k, _, v = argv[i + 1].partition("=")
            out["conf"][k] = v
            i += 2
        elif a.startswith("--"):
            key = a[2:]
            if key in PROPERTY_OF:
                out["conf"][PROPERTY_OF[key]] = argv[i + 1]
            else:
                out[key] = argv[i + 1]
            i += 2
        else:
            out["application"] = a
            out["args"] = argv[i + 1:]
            break
    return out


def hook_argv(kwargs, connection):
    """What SparkSubmitHook builds from the operator's arguments and the connection."""
    argv = ["--master", connection["host"]]
    for k, v in kwargs["conf"].items():
        argv += ["--conf", f"{k}={v}"]
    argv += ["--files", kwargs["files"]]
    for kw, flag in (("num_executors", "--num-executors"), ("total_executor_cores", "--total-executor-cores"),
                     ("executor_cores", "--executor-cores"), ("executor_memory", "--executor-memory"),
                     ("driver_memory", "--driver-memory")):
        if kw in kwargs:
            argv += [flag, str(kwargs[kw])]
    argv += ["--name", kwargs["name"], "--class", kwargs["java_class"]]
    argv += ["--deploy-mode", connection["extra"]["deploy-mode"]]
    return argv + [kwargs["application"]] + [str(a) for a in kwargs["application_args"]]


def main():
    preset, config, overrides = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(DAG_FILE, encoding="utf-8") as f:
        tree = ast.parse(f.read(), DAG_FILE)  # valid Python
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "SparkSubmitOperator"]
    if len(calls) != 1 or not any(k.arg is None for k in calls[0].keywords):
        sys.exit("the DAG must build one SparkSubmitOperator from operator_kwargs(...)")

    sys.path.insert(0, os.path.dirname(DAG_FILE))
    import fednas_dag
    master = os.environ.get("FEDNAS_MASTER")
    plan = fednas_dag.submit_plan(preset, config, overrides, master=master)
    dag_side = normalise(hook_argv(fednas_dag.operator_kwargs(plan), fednas_dag.connection_fields(plan)))

    env = dict(os.environ, SPARK_HOME="/opt/spark")
    master_args = ["--master", master] if master else []
    printed = subprocess.run([f"submit-scripts/submit-{preset}.sh", "--dry-run"] + master_args + [config] + overrides, env=env,
                             check=True, capture_output=True, text=True).stdout
    words = shlex.split(printed)
    if words[0] != "/opt/spark/bin/spark-submit":
        sys.exit("dry run does not start with $SPARK_HOME/bin/spark-submit: " + words[0])
    script_side = normalise(words[1:])
    if dag_side != script_side:
        for key in sorted(set(dag_side) | set(script_side)):
            if dag_side.get(key) != script_side.get(key):
                print(f"{key}:\n  dag:    {dag_side.get(key)}\n  script: {script_side.get(key)}")
        sys.exit(1)
    print(f"OK: {len(dag_side['conf'])} properties, {len(dag_side['args'])} arguments agree")


if __name__ == "__main__":
    main()
