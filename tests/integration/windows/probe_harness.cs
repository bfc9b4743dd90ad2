// Copyright (c) arcready.network contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Test driver for the C# probe engine plugins/module_utils/ArcProbe.cs, compiled with it under Mono by
// tests/integration/windows/test_probe_engine_mono.py. It stands in for the PowerShell glue of probe.ps1: reads a
// tab-separated script on stdin, builds Settings and endpoint dicts, calls the engine, prints JSON.
// Values may hold \r, \n, \t, \xNN, \uNNNN and \\ escapes (Python's unicode_escape), so any host can be given.
//
//   case                          starts a case: fresh Settings and endpoints (every case runs at once at the end)
//   set <name> <value>            timeout, budget, min, ca, private_link, inspection, workers, noproxy
//   issuer <text>                 expected issuer (repeatable)
//   resolve <host> <address>
//   bypass <service>
//   proxy <url> [<user> [<password>]]
//   ep <key>=<value> ...          an endpoint (port is an int; required, probeable, private_capable and read_body
//                                 are bools; bypass is a comma list)
//   call <function> <args...>     a pure function: IsPrivate, NoProxyMatch (host, comma list), WirePath, WireHost,
//                                 UrlHost, InputProblem (host, port, path), ProxyDisplay (url [user [password]]),
//                                 ProxyRedact, ProxyAuthorization, UrlSecrets, VersionName, Explicit (key=value ...)
//
// Output: {"cases": [{"results": [...], "seconds": n}, ...], "calls": [...]}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using ansible_collections.arcready.network.plugins.module_utils.ArcProbe;

public static class Harness
{
    class Case
    {
        public Settings S = new Settings();
        public int Workers = 20;
        public List<object> Endpoints = new List<object>();
        public Dictionary<string, object> Output = new Dictionary<string, object>();
    }

    static void Json(StringBuilder sb, object value)
    {
        if (value == null)
        {
            sb.Append("null");
        }
        else if (value is bool)
        {
            sb.Append((bool)value ? "true" : "false");
        }
        else if (value is int || value is long || value is double)
        {
            sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
        else if (value is string)
        {
            sb.Append('"');
            foreach (char c in (string)value)
            {
                if (c == '"' || c == '\\')
                    sb.Append('\\').Append(c);
                else if (c < 32 || c > 126)
                    sb.AppendFormat(CultureInfo.InvariantCulture, "\\u{0:x4}", (int)c);
                else
                    sb.Append(c);
            }
            sb.Append('"');
        }
        else if (value is IDictionary)
        {
            sb.Append('{');
            bool first = true;
            foreach (DictionaryEntry entry in (IDictionary)value)
            {
                if (!first)
                    sb.Append(',');
                first = false;
                Json(sb, Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                sb.Append(':');
                Json(sb, entry.Value);
            }
            sb.Append('}');
        }
        else if (value is IEnumerable)
        {
            sb.Append('[');
            bool first = true;
            foreach (object item in (IEnumerable)value)
            {
                if (!first)
                    sb.Append(',');
                first = false;
                Json(sb, item);
            }
            sb.Append(']');
        }
        else
        {
            Json(sb, Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    static object Typed(string key, string value)
    {
        if (value == "null")
            return null;
        switch (key)
        {
            case "port":
                return Int64.Parse(value, CultureInfo.InvariantCulture);
            case "required":
            case "probeable":
            case "private_capable":
            case "read_body":
                return value == "true";
            case "bypass":
                return new List<object>(value.Length == 0 ? new string[0] : value.Split(','));
            default:
                return value;
        }
    }

    static Dictionary<string, object> Pairs(string[] fields, int start)
    {
        Dictionary<string, object> d = new Dictionary<string, object>();
        for (int i = start; i < fields.Length; i++)
        {
            int eq = fields[i].IndexOf('=');
            string key = fields[i].Substring(0, eq);
            d[key] = Typed(key, fields[i].Substring(eq + 1));
        }
        return d;
    }

    static string Arg(string[] fields, int i)
    {
        return fields.Length > i ? fields[i] : null;
    }

    public static int Main()
    {
        List<Case> cases = new List<Case>();
        Case c = new Case();
        List<object> calls = new List<object>();
        string line;
        while ((line = Console.In.ReadLine()) != null)
        {
            if (line.Trim().Length == 0)
                continue;
            string[] f = line.Split('\t');
            for (int i = 1; i < f.Length; i++)
                f[i] = Regex.Unescape(f[i]);
            Settings s = c.S;
            switch (f[0])
            {
                case "case":
                    c = new Case();
                    cases.Add(c);
                    break;
                case "set":
                    switch (f[1])
                    {
                        case "timeout": s.Timeout = Double.Parse(f[2], CultureInfo.InvariantCulture); break;
                        case "budget": s.Budget = Double.Parse(f[2], CultureInfo.InvariantCulture); break;
                        case "min": s.MinTlsVersion = f[2]; break;
                        case "ca": s.LoadCaFile(f[2]); break;
                        case "private_link": s.PrivateLink = f[2] == "true"; break;
                        case "inspection": s.CheckInspection = f[2] == "true"; break;
                        case "workers": c.Workers = Int32.Parse(f[2], CultureInfo.InvariantCulture); break;
                        case "noproxy": s.SetNoProxy(f[2]); break;
                        default: throw new ArgumentException("unknown setting " + f[1]);
                    }
                    break;
                case "issuer":
                    s.ExpectedIssuers.Add(f[1]);
                    break;
                case "resolve":
                    s.Resolve[f[1]] = f[2];
                    break;
                case "bypass":
                    s.Bypass.Add(f[1]);
                    break;
                case "proxy":
                    s.Proxy = Proxy.Parse(f[1], Arg(f, 2), Arg(f, 3), "option");
                    break;
                case "ep":
                    c.Endpoints.Add(Engine.Explicit(Pairs(f, 1)));
                    break;
                case "call":
                    calls.Add(Call(f));
                    break;
                default:
                    throw new ArgumentException("unknown command " + f[0]);
            }
        }
        // Every case at once, as ProbeAll runs endpoints: the whole table costs about one budget.
        List<Thread> threads = new List<Thread>();
        foreach (Case each in cases)
        {
            Case mine = each;
            Thread thread = new Thread(delegate()
            {
                Stopwatch watch = Stopwatch.StartNew();
                mine.Output["results"] = Engine.ProbeAll(mine.Endpoints, mine.S, mine.Workers);
                mine.Output["seconds"] = watch.Elapsed.TotalSeconds;
            });
            thread.Start();
            threads.Add(thread);
        }
        foreach (Thread thread in threads)
            thread.Join();
        Dictionary<string, object> output = new Dictionary<string, object>();
        List<object> done = new List<object>();
        foreach (Case each in cases)
            done.Add(each.Output);
        output["cases"] = done;
        output["calls"] = calls;
        StringBuilder sb = new StringBuilder();
        Json(sb, output);
        Console.Out.Write(sb.ToString());
        return 0;
    }

    static object Call(string[] f)
    {
        try
        {
            switch (f[1])
            {
                case "IsPrivate": return Engine.IsPrivate(f[2]);
                case "NoProxyMatch":
                    Settings s = new Settings();
                    s.SetNoProxy(Arg(f, 3) ?? "");
                    return Engine.NoProxyMatch(f[2], s.NoProxy);
                case "WirePath": return Engine.WirePath(f[2]);
                case "WireHost": return Engine.WireHost(f[2]);
                case "UrlHost": return Engine.UrlHost(f[2]);
                case "InputProblem":
                    return Engine.InputProblem(f[2], Int32.Parse(f[3], CultureInfo.InvariantCulture), f[4]);
                case "ProxyDisplay": return Proxy.Parse(f[2], Arg(f, 3), Arg(f, 4), "option").Display;
                case "ProxyRedact": return Proxy.Redact(f[2]);
                case "ProxyAuthorization": return Proxy.Parse(f[2], Arg(f, 3), Arg(f, 4), "option").Authorization();
                case "UrlSecrets": return new List<string>(Proxy.UrlSecrets(f[2]));
                case "VersionName": return Engine.VersionName(f[2]);
                case "Explicit": return Engine.Explicit(Pairs(f, 2));
                default: throw new ArgumentException("unknown function " + f[1]);
            }
        }
        catch (ArgumentException exc)
        {
            Dictionary<string, object> error = new Dictionary<string, object>();
            error["error"] = exc.Message;
            return error;
        }
    }
}
