#!/usr/bin/env python3
"""The one place that builds FedNAS-Spark's spark-submit command.

Used by submit-standalone.sh, submit-yarn.sh and submit-k8s.sh (through main()) and by the
Airflow DAG (through plan()), so a search scheduled from Airflow is submitted exactly as one
started by hand. Python standard library only.

A preset (conf/cluster/*.properties) holds `key = value` lines:
  master, deploy-mode, num-executors, executor-cores, executor-memory, driver-memory,
  driver-cores, total-executor-cores, queue, name  -> spark-submit options
  spark.*                                          -> --conf
  fednas.jar              the application jar (a local path, or local:// hdfs:// s3a:// ... as is)
  fednas.javacpp.maxBytes, fednas.javacpp.maxPhysicalBytes
                          ND4J off-heap limits, passed to the driver and executor JVMs
  fednas.ompThreads       native threads per task (OMP_NUM_THREADS on the executors)
  fednas.dataDir          data.dir for the job when the command line does not set it
  fednas.gpu.perExecutor, fednas.gpu.perTask, fednas.gpu.discoveryScript
                          GPU scheduling (Spark resource scheduling); needs the -Pgpu jar
  fednas.security         on (the default) | off: Spark's authentication, RPC encryption, I/O
                          encryption and UI ACLs (SECURE_CONF); off only for trusted single-user setups
  fednas.secretFile       a standalone cluster's shared secret: a file only its owner can read,
                          handed to the driver as FEDNAS_SPARK_SECRET_FILE (never on a command line)
Later presets override earlier ones; an unknown key is an error naming the file and line. A secret
(a key naming a secret, password or token) is refused in presets and --conf: it would be visible
on the command line to every user of the machine.
"""
import argparse
import glob
import os
import re
import shlex
import socket
import sys
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN_CLASS = "io.fednas.app.FedNasJob"
SUBMIT_OPTIONS = ("master", "deploy-mode", "num-executors", "executor-cores", "executor-memory",
                  "driver-memory", "driver-cores", "total-executor-cores", "queue", "name")
FEDNAS_KEYS = ("fednas.jar", "fednas.javacpp.maxBytes", "fednas.javacpp.maxPhysicalBytes",
               "fednas.ompThreads", "fednas.dataDir", "fednas.gpu.perExecutor", "fednas.gpu.perTask",
               "fednas.gpu.discoveryScript", "fednas.security", "fednas.secretFile")
# What fednas.security = on adds: the application authenticates every connection with a shared
# secret (Spark generates one per application on YARN and Kubernetes), encrypts RPC traffic
# (AES-GCM: authenticated, so tampering is detected) and the blocks it writes to local disks
# (shuffles, spills, broadcasts), and lets only its owner view or kill it in the UI.
SECURE_CONF = {
    "spark.authenticate": "true",
    "spark.network.crypto.enabled": "true",
    "spark.network.crypto.cipher": "AES/GCM/NoPadding",
    "spark.io.encryption.enabled": "true",
    "spark.acls.enable": "true",
}
SECRET_KEY = re.compile(r"(?i)secret|password|token|access[.]key")
SECRET_FILE_ENV = "FEDNAS_SPARK_SECRET_FILE"
SECRET_ENV = "FEDNAS_SPARK_SECRET"
REMOTE_SCHEMES = ("local", "hdfs", "s3a", "s3", "gs", "abfs", "abfss", "http", "https", "file")
CONNECT_TIMEOUT_S = 3.0


class SubmitError(Exception):
    """A problem found before anything is launched; the message says which."""


def read_preset(path):
    """Reads one preset file into an ordered dict, failing on unknown keys with file:line."""
    if not os.path.isfile(path):
        raise SubmitError(f"preset file not found: {path}")
    values = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise SubmitError(f"{path}:{number}: expected 'key = value', got: {line}")
            key, value = (part.strip() for part in line.split("=", 1))
            if not (key in SUBMIT_OPTIONS or key in FEDNAS_KEYS or key.startswith("spark.")):
                raise SubmitError(f"{path}:{number}: unknown key '{key}' (allowed: {', '.join(SUBMIT_OPTIONS)},"
                                  f" spark.*, {', '.join(FEDNAS_KEYS)})")
            refuse_secret(key, f"{path}:{number}")
            values[key] = os.path.expandvars(value)
    return values


def refuse_secret(key, where):
    if key.startswith("spark.") and SECRET_KEY.search(key):
        raise SubmitError(f"{where}: {key} would be on the spark-submit command line, where every user of this "
                          f"machine can read it; put the secret in a file only you can read and name it with "
                          f"fednas.secretFile or {SECRET_FILE_ENV}")


def security_on(preset):
    value = preset.get("fednas.security", "on")
    if value not in ("on", "off"):
        raise SubmitError(f"fednas.security = {value}: expected on or off")
    return value == "on"


def jvm_flags():
    """The Java 17 flags every JVM of the job needs: .mvn/jvm.config is their one home."""
    with open(os.path.join(ROOT, ".mvn", "jvm.config"), encoding="utf-8") as f:
        return f.read().split()


def default_jar():
    """target/fednas-spark-VERSION-dist.jar, the version read from pom.xml (built or not: preflight says)."""
    jars = sorted(glob.glob(os.path.join(ROOT, "target", "fednas-spark-*-dist.jar")))
    if jars:
        return jars[-1]
    with open(os.path.join(ROOT, "pom.xml"), encoding="utf-8") as f:
        version = re.search(r"<artifactId>fednas-spark</artifactId>\s*<version>([^<]+)</version>", f.read()).group(1)
    return os.path.join(ROOT, "target", f"fednas-spark-{version}-dist.jar")


def plan(presets, conf_file, overrides=(), master=None, deploy_mode=None, jar=None, extra_conf=(), resume=None):
    """What to submit, as data: options, Spark properties, files, the application and its arguments."""
    os.environ.setdefault("FEDNAS_HOME", ROOT)
    preset = {}
    for path in presets:
        preset.update(read_preset(path))
    for kv in extra_conf:
        key, _, value = kv.partition("=")
        refuse_secret(key, "--conf")
        preset[key] = value
    options = {k: preset[k] for k in SUBMIT_OPTIONS if k in preset}
    if master:
        options["master"] = master
    if deploy_mode:
        options["deploy-mode"] = deploy_mode
    if "master" not in options:
        raise SubmitError("no master: give --master (e.g. spark://host:7077) or set 'master' in the preset")
    options.setdefault("deploy-mode", "client")
    options.setdefault("name", "fednas-" + os.path.splitext(os.path.basename(conf_file))[0])
    cluster_mode = options["deploy-mode"] == "cluster"

    java_opts = jvm_flags()
    if "fednas.javacpp.maxBytes" in preset:
        java_opts.append("-Dorg.bytedeco.javacpp.maxbytes=" + preset["fednas.javacpp.maxBytes"])
    if "fednas.javacpp.maxPhysicalBytes" in preset:
        java_opts.append("-Dorg.bytedeco.javacpp.maxphysicalbytes=" + preset["fednas.javacpp.maxPhysicalBytes"])
    conf = {
        "spark.driver.extraJavaOptions": " ".join(java_opts),
        "spark.executor.extraJavaOptions": " ".join(java_opts),
        "spark.executorEnv.OMP_NUM_THREADS": preset.get("fednas.ompThreads", "1"),
    }
    if "fednas.gpu.perExecutor" in preset:
        conf["spark.executor.resource.gpu.amount"] = preset["fednas.gpu.perExecutor"]
        conf["spark.task.resource.gpu.amount"] = preset.get("fednas.gpu.perTask", "1")
        conf["spark.executor.resource.gpu.discoveryScript"] = preset.get(
            "fednas.gpu.discoveryScript", os.path.join(ROOT, "submit-scripts", "gpu", "discover-gpus.sh"))
    env = {}
    if security_on(preset):
        conf.update(SECURE_CONF)
        if "fednas.secretFile" in preset:
            env[SECRET_FILE_ENV] = preset["fednas.secretFile"]
    conf.update({k: v for k, v in preset.items() if k.startswith("spark.")})

    # In cluster mode the driver runs on a cluster node: ship the config and the device profiles
    # (--files puts them in the driver's working directory) and point the job at them there.
    devices = sorted(glob.glob(os.path.join(ROOT, "conf", "devices", "*.conf")))
    files = [conf_file] + (devices if cluster_mode else [])
    args = [os.path.basename(conf_file) if cluster_mode else conf_file]
    if cluster_mode and not any(o.startswith("search.devicesDir=") for o in overrides):
        args.append("search.devicesDir=.")
    if not any(o.startswith("data.dir=") for o in overrides):
        args.append("data.dir=" + preset.get("fednas.dataDir", os.path.join(ROOT, "datasets")))
    if resume:
        # the run directory must be where the driver runs: a shared filesystem path in cluster mode
        args.extend(["--resume", resume])
    args.extend(overrides)
    return {
        "options": options,
        "conf": conf,
        "files": files,
        "java_class": MAIN_CLASS,
        "application": jar or preset.get("fednas.jar") or default_jar(),
        "application_args": args,
        "driver_java_opts": java_opts,
        "env": env,
    }


def submit_args(p):
    """The spark-submit arguments of a plan, in a stable order."""
    argv = []
    for key in SUBMIT_OPTIONS:
        if key in p["options"]:
            argv += ["--" + key, p["options"][key]]
    for key in sorted(p["conf"]):
        argv += ["--conf", f"{key}={p['conf'][key]}"]
    argv += ["--files", ",".join(p["files"]), "--class", p["java_class"], p["application"]]
    return argv + p["application_args"]


def launcher(p):
    """$SPARK_HOME/bin/spark-submit when there is a Spark distribution, else SparkSubmit from the
    project's own classpath (the driver then runs in that JVM, so it gets the flags directly)."""
    spark_home = os.environ.get("SPARK_HOME")
    if spark_home:
        return [os.path.join(spark_home, "bin", "spark-submit")]
    classpath = os.environ.get("FEDNAS_CLASSPATH")
    if not classpath:
        cp_file = os.path.join(ROOT, "target", "classpath.txt")
        if not os.path.isfile(cp_file):
            raise SubmitError("no SPARK_HOME and no project classpath: run 'mvn compile' or set SPARK_HOME")
        with open(cp_file, encoding="utf-8") as f:
            classpath = f.read().strip()
    # Hadoop's client reads yarn-site.xml and core-site.xml from the classpath: put the cluster's
    # configuration first, as Spark's own launcher does
    conf_dirs = [os.environ[v] for v in ("HADOOP_CONF_DIR", "YARN_CONF_DIR") if os.environ.get(v)]
    classpath = os.pathsep.join(conf_dirs + [classpath])
    memory = p["options"].get("driver-memory", "4g")
    return [os.environ.get("JAVA", "java")] + p["driver_java_opts"] + [
        "-Xmx" + memory, "-Dlog4j2.configurationFile=" + os.path.join(ROOT, "conf", "log4j2.properties"),
        "-cp", classpath, "org.apache.spark.deploy.SparkSubmit"]


def is_local_path(uri):
    scheme = urlparse(uri).scheme
    return scheme == "" or scheme not in REMOTE_SCHEMES


def check_reachable(host, port, what):
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as e:
        raise SubmitError(f"{what} {host}:{port} is not reachable ({e.strerror or e}); is it running?")


def yarn_resource_manager():
    conf_dir = os.environ.get("YARN_CONF_DIR") or os.environ.get("HADOOP_CONF_DIR")
    if not conf_dir:
        raise SubmitError("master 'yarn' needs HADOOP_CONF_DIR or YARN_CONF_DIR (the cluster's yarn-site.xml)")
    site = os.path.join(conf_dir, "yarn-site.xml")
    if not os.path.isfile(site):
        raise SubmitError(f"master 'yarn': no yarn-site.xml in {conf_dir}")
    props = {p.findtext("name"): p.findtext("value") for p in ElementTree.parse(site).getroot().iter("property")}
    address = props.get("yarn.resourcemanager.address") or (props.get("yarn.resourcemanager.hostname", "0.0.0.0") + ":8032")
    host, _, port = address.rpartition(":")
    return host, int(port)


def preflight(p):
    """Everything that can be checked before launching, so a bad submit fails in seconds and
    starts no process."""
    for key, value in list(p["options"].items()) + list(p["conf"].items()) + [("application", p["application"])]:
        if "${" in value:
            raise SubmitError(f"{key} = {value}: the environment variable it names is not set")
    for f in p["files"]:
        if not os.path.isfile(f):
            raise SubmitError(f"config file not found: {f}")
    app = p["application"]
    if is_local_path(app) and not os.path.isfile(app):
        raise SubmitError(f"application jar not found: {app} (build it: mvn -Pdist package -DskipTests)")
    master = p["options"]["master"]
    if master.startswith("spark://"):
        for hostport in master[len("spark://"):].split(","):
            host, _, port = hostport.rpartition(":")
            check_reachable(host, int(port), "Spark master")
        if p["conf"].get("spark.authenticate") == "true":
            check_secret(p)
    elif master.startswith("k8s://"):
        url = urlparse(master[len("k8s://"):] if "://" in master[len("k8s://"):] else "https://" + master[len("k8s://"):])
        check_reachable(url.hostname, url.port or 443, "Kubernetes API server")
    elif master == "yarn":
        host, port = yarn_resource_manager()
        check_reachable(host, port, "YARN resource manager")
    elif not master.startswith("local"):
        raise SubmitError(f"unsupported master '{master}' (spark://, yarn, k8s:// or local[...])")


def check_secret(p):
    """A standalone cluster shares one secret with every application (on YARN and Kubernetes Spark
    makes one per application): the driver reads it from a file only its owner can read."""
    path = p["env"].get(SECRET_FILE_ENV) or os.environ.get(SECRET_FILE_ENV)
    if not path:
        if os.environ.get(SECRET_ENV):
            return
        raise SubmitError(f"spark.authenticate is on (fednas.security = on) and a standalone master needs the "
                          f"cluster's shared secret: name a file only you can read that holds it with "
                          f"{SECRET_FILE_ENV} or fednas.secretFile (or give it in {SECRET_ENV}); on a trusted "
                          f"single-user cluster, --conf fednas.security=off turns security off")
    if not os.path.isfile(path):
        raise SubmitError(f"{SECRET_FILE_ENV} / fednas.secretFile: secret file not found: {path}")
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        raise SubmitError(f"secret file {path} can be read by other users (mode {mode:o}): chmod 600 {path}")
    if os.path.getsize(path) == 0:
        raise SubmitError(f"secret file {path} is empty")


def main(argv):
    parser = argparse.ArgumentParser(prog=os.environ.get("FEDNAS_SUBMIT_NAME", "fednas_submit.py"),
                                     description="Submit a FedNAS-Spark run with spark-submit.")
    parser.add_argument("--preset", action="append", default=[], help="conf/cluster/*.properties (repeatable)")
    parser.add_argument("--master")
    parser.add_argument("--deploy-mode", choices=("client", "cluster"))
    parser.add_argument("--jar", help="application jar (default: the preset's fednas.jar or target/*-dist.jar)")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark property or preset key, overriding the presets")
    parser.add_argument("--dry-run", action="store_true", help="print the command and exit")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped run from its checkpoint")
    parser.add_argument("config", help="the job's config file (HOCON)")
    parser.add_argument("overrides", nargs="*", help="job config overrides key=value")
    a = parser.parse_args(argv)
    try:
        p = plan(a.preset, a.config, a.overrides, a.master, a.deploy_mode, a.jar, a.conf, a.resume)
        if a.dry_run:
            print(shlex.join(launcher_or_placeholder(p) + submit_args(p)))
            return 0
        preflight(p)
        command = launcher(p) + submit_args(p)
    except SubmitError as e:
        print(f"{parser.prog}: {e}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    os.environ.update(p["env"])
    os.execvp(command[0], command)  # replaces this process: no wrapper left behind


def launcher_or_placeholder(p):
    try:
        return launcher(p)
    except SubmitError:
        return ["spark-submit"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
