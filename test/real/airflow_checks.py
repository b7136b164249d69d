"""Checks that ask Airflow itself about our output; run by test/real/*.test.ts inside the pod's filesystem.

Reads one JSON object on stdin (`checks`: the checks to run, each with its request under its name), prints one
JSON object (each check's result under its name) as the last stdout line. The checks:

- `config`: `airflow.configuration.conf` (AIRFLOW_HOME=/opt/airflow, the rendered airflow.cfg at
  /opt/airflow/airflow.cfg as the pod mounts it) read with each component's env in turn: every key reads back,
  typed as Airflow's own config description says, `_cmd` settings resolve, warnings are collected; then
  `airflow config lint` (Airflow 3) on the same config.
- `pod_template`: the KubernetesExecutor's pod template loaded and merged with a task's pod the way the
  executor does (cncf.kubernetes provider).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
import warnings


def out(result):
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def warning_text(w):
    return f"{w.category.__name__}: {w.message}"


def check_config(request):
    # Airflow reads os.environ when a value is asked (airflow/configuration.py `_get_environment_variables`,
    # `_get_cmd_option`), so one process can read the one file with each component's env in turn.
    # the process starts with one container's env (Airflow runs `_cmd` settings while `airflow` is imported);
    # each component then gets the image's env plus its own
    base_env = {k: v for k, v in os.environ.items() if k not in set(request.get("process_env_keys", []))}
    result = {"import_warnings": [], "components": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from airflow.configuration import conf
        except Exception:
            return {"fatal": traceback.format_exc()}
    # warnings about configuration only (libraries warn about their own APIs while airflow is imported)
    result["import_warnings"] = [
        warning_text(w) for w in caught if any(t in str(w.message).lower() for t in ("config", "section", "option", "airflow.cfg"))
    ]

    import airflow

    result["airflow_version"] = airflow.__version__
    # provider sections ([kubernetes_executor], [celery], [fab], ...) as every CLI command loads them: Airflow's own
    # decorator (airflow/utils/providers_configuration_loader.py, 2.11 and 3.2)
    from airflow.utils.providers_configuration_loader import providers_configuration_loaded

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        description = providers_configuration_loaded(lambda: conf.configuration_description)()
    sensitive = {f"{s}.{k}" for (s, k) in conf.sensitive_config_values}

    unknown = []
    for name in request["keys"]:
        section, key = name.split(".", 1)
        base = key[: -len("_cmd")] if key.endswith("_cmd") else key[: -len("_secret")] if key.endswith("_secret") else None
        options = description.get(section, {}).get("options", {})
        if key in options:
            continue
        if base is not None and base in options and f"{section}.{base}" in sensitive:
            continue
        unknown.append(name)
    result["unknown_keys"] = unknown

    getters = {"integer": conf.getint, "boolean": conf.getboolean, "float": conf.getfloat}
    for component in request["components"]:
        os.environ.clear()
        os.environ.update(base_env)
        os.environ.update(component["env"])
        values, errors, typed_errors, got_warnings = {}, {}, {}, []
        names = list(request["keys"]) + list(component.get("env_keys", []))
        for name in names:
            section, key = name.split(".", 1)
            options = description.get(section, {}).get("options", {})
            if key not in options and (key.endswith("_cmd") or key.endswith("_secret")) and key.rsplit("_", 1)[0] in options:
                # Airflow reads `<key>_cmd` / `<key>_secret` when `<key>` is asked (only for sensitive options)
                key = key.rsplit("_", 1)[0]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    values[f"{section}.{key}"] = conf.get(section, key)
                except Exception as e:
                    errors[f"{section}.{key}"] = f"{type(e).__name__}: {e}"
                    continue
                kind = description.get(section, {}).get("options", {}).get(key, {}).get("type")
                if kind in getters:
                    try:
                        getters[kind](section, key)
                    except Exception as e:
                        typed_errors[f"{section}.{key}"] = f"{type(e).__name__}: {e}"
            got_warnings += [f"{section}.{key}: {warning_text(w)}" for w in caught]
        result["components"][component["name"]] = {
            "values": values, "errors": errors, "typed_errors": typed_errors, "warnings": got_warnings,
        }
        extra = component.get("python")
        if extra:
            try:
                scope = {"conf": conf}
                exec(extra, scope)
                result["components"][component["name"]]["python"] = scope.get("RESULT")
            except Exception:
                result["components"][component["name"]]["python_error"] = traceback.format_exc()

    os.environ.clear()
    os.environ.update(base_env)
    os.environ.update(request["components"][0]["env"] if request["components"] else {})
    result["lint"] = lint(conf)
    return result


def lint(conf):
    """`airflow config lint` in this process: its own function, its printed issues (Airflow 3 only)."""
    try:
        from airflow.cli.commands.config_command import lint_config
    except ImportError:
        try:
            from airflow.cli.commands.local_commands.config_command import lint_config  # noqa: F401
        except ImportError:
            return {"available": False}
    from argparse import Namespace

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        lint_config(Namespace(section=None, option=None, ignore_section=None, ignore_option=None, verbose=False))
    text = buffer.getvalue()
    issues = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("- ")]
    return {"available": True, "issues": issues, "output": text}


def main():
    request = json.loads(sys.stdin.read())
    results = {}
    for check in request["checks"]:
        try:
            if check == "config":
                results[check] = check_config(request["config"])
            elif check == "pod_template":
                from pod_template_check import check_pod_template  # test/real/pod_template_check.py

                results[check] = check_pod_template(request["pod_template"])
            else:
                results[check] = {"fatal": f"unknown check {check}"}
        except Exception:
            results[check] = {"fatal": traceback.format_exc()}
    out(results)


if __name__ == "__main__":
    main()
