#!powershell

# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell Ansible.ModuleUtils.AddType
#AnsibleRequires -PowerShell Ansible.ModuleUtils.CommandUtil

# The Windows implementation of arcready.network.probe. Its documentation is probe.py's DOCUMENTATION, and its
# options ($spec below) are kept identical to probe.py's argument_spec: tests/unit/windows/test_probe_ps1_spec.py
# parses both and compares them, and ansible-test validate-modules compares $spec with the documentation.
#
# The catalogue is expanded on the controller by the action plugin (plugins/action/probe.py), so this module
# always receives an explicit endpoints list, the same list the Python module probes on Linux.
#
# The network work (DNS, TCP, HTTP CONNECT, TLS, HTTP, the result dicts, the summary and the table) is the C#
# engine in $ProbeEngine, compiled with Add-CSharpType. It is C# 5 with no PowerShell types, so it compiles on
# Windows PowerShell 5.1 (.NET Framework csc) and PowerShell 7 (Roslyn), and the unit tests compile and run it
# under Mono against servers on 127.0.0.1 (tests/unit/windows/test_probe_engine_mono.py). This script only
# reads options, finds the proxy the agent would use, and reports.

$spec = @{
    options = @{
        cloud = @{ type = 'str'; default = 'AzureCloud'; choices = @('AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud') }
        region = @{ type = 'str' }
        scenarios = @{ type = 'list'; elements = 'str'; default = @(); choices = @('ssh', 'wac', 'sql', 'esu', 'telemetry') }
        stage = @{ type = 'str'; default = 'install'; choices = @('install', 'connect', 'run') }
        private_link = @{ type = 'bool'; default = $false }
        endpoints = @{
            type = 'list'
            elements = 'dict'
            options = @{
                host = @{ type = 'str'; required = $true }
                port = @{ type = 'int'; default = 443 }
                scheme = @{ type = 'str'; default = 'https'; choices = @('https', 'http') }
                path = @{ type = 'str'; default = '/' }
                required = @{ type = 'bool'; default = $true }
                purpose = @{ type = 'str'; default = '' }
                url = @{ type = 'str' }
                pattern = @{ type = 'str' }
                bypass = @{ type = 'list'; elements = 'str'; default = @(); no_log = $false }
                private_capable = @{ type = 'bool'; default = $false }
                probeable = @{ type = 'bool'; default = $true }
                reason = @{ type = 'str'; default = '' }
            }
        }
        wildcard_hosts = @{ type = 'dict'; default = @{} }
        expand_service_bus = @{ type = 'bool'; default = $false }
        timeout = @{ type = 'float'; default = 5 }
        workers = @{ type = 'int'; default = 20 }
        proxy_url = @{ type = 'str'; default = 'auto' }
        proxy_username = @{ type = 'str' }
        proxy_password = @{ type = 'str'; no_log = $true }
        proxy_bypass = @{ type = 'list'; elements = 'str'; choices = @('AAD', 'ARM', 'Arc', 'ArcData') }
        resolve = @{ type = 'dict'; default = @{} }
        ca_path = @{ type = 'path' }
        min_tls_version = @{ type = 'str'; default = '1.2'; choices = @('1.2', '1.3') }
        expected_issuers = @{ type = 'list'; elements = 'str' }
        check_tls_inspection = @{ type = 'bool'; default = $true }
        fail_on = @{ type = 'str'; default = 'required'; choices = @('required', 'any', 'never') }
    }
    required_one_of = @(, @('region', 'endpoints'))
    supports_check_mode = $true
}

$ProbeEngine = @'
//NoWarn -Name SYSLIB0057 -CLR Core
//NoWarn -Name SYSLIB0026 -CLR Core
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace ArcReady.Network.Probe
{
    /// <summary>A failed stage: Stage names it, Message is the one sentence shown to people.</summary>
    public class ProbeException : Exception
    {
        public string Stage;
        public CertInfo Cert;
        public bool Inspection;

        public ProbeException(string stage, string message) : base(message)
        {
            Stage = stage;
        }
    }

    /// <summary>What the result reports of a certificate.</summary>
    public class CertInfo
    {
        public string IssuerCN;
        public string IssuerOrg;
        public string SubjectCN;
        public string SubjectOrg;
        public DateTime NotAfterUtc;
        public List<string> DnsNames = new List<string>();

        public static CertInfo From(X509Certificate2 cert)
        {
            CertInfo info = new CertInfo();
            info.IssuerCN = Engine.DnPart(cert.IssuerName, "CN");
            info.IssuerOrg = Engine.DnPart(cert.IssuerName, "O");
            info.SubjectCN = Engine.DnPart(cert.SubjectName, "CN");
            info.SubjectOrg = Engine.DnPart(cert.SubjectName, "O");
            info.NotAfterUtc = cert.NotAfter.ToUniversalTime();
            foreach (X509Extension ext in cert.Extensions)
            {
                if (ext.Oid != null && ext.Oid.Value == "2.5.29.17")
                    info.DnsNames.AddRange(SanDnsNames(ext.RawData));
            }
            return info;
        }

        /// <summary>The dNSName entries of a subjectAltName extension (DER), read the same way on every runtime.</summary>
        public static List<string> SanDnsNames(byte[] der)
        {
            List<string> names = new List<string>();
            int pos = 0;
            int end;
            if (der == null || der.Length < 2 || der[0] != 0x30 || !ReadLength(der, ref pos, out end))
                return names;
            while (pos < end && pos < der.Length)
            {
                byte tag = der[pos];
                int valueEnd;
                if (!ReadLength(der, ref pos, out valueEnd))
                    break;
                if (tag == 0x82)
                    names.Add(Encoding.ASCII.GetString(der, pos, valueEnd - pos));
                pos = valueEnd;
            }
            return names;
        }

        /// <summary>Reads the tag at pos and its length; leaves pos at the value and gives the value's end.</summary>
        static bool ReadLength(byte[] der, ref int pos, out int valueEnd)
        {
            valueEnd = 0;
            if (pos + 2 > der.Length)
                return false;
            int length = der[pos + 1];
            pos += 2;
            if (length > 0x80)
            {
                int count = length - 0x80;
                if (count > 3 || pos + count > der.Length)
                    return false;
                length = 0;
                for (int i = 0; i < count; i++)
                    length = (length << 8) | der[pos + i];
                pos += count;
            }
            else if (length == 0x80)
            {
                return false;
            }
            valueEnd = pos + length;
            return valueEnd <= der.Length;
        }

        /// <summary>Whether the certificate names the host (RFC 6125: exact, or a wildcard for one left-most label).</summary>
        public bool Names(string host)
        {
            string wanted = host.TrimEnd('.').ToLowerInvariant();
            List<string> names = DnsNames.Count > 0 ? DnsNames : new List<string>(new string[] { SubjectCN ?? "" });
            foreach (string name in names)
            {
                string candidate = name.TrimEnd('.').ToLowerInvariant();
                if (candidate == wanted)
                    return true;
                if (candidate.StartsWith("*.") && wanted.IndexOf('.') > 0
                    && wanted.Substring(wanted.IndexOf('.')) == candidate.Substring(1))
                    return true;
            }
            return false;
        }

        public string Issuer { get { return Engine.Describe(IssuerCN, IssuerOrg); } }
        public string Subject { get { return Engine.Describe(SubjectCN, SubjectOrg); } }

        /// <summary>OpenSSL's notAfter text, as the Python module reports it: "Jun  1 12:00:00 2026 GMT".</summary>
        public string NotAfter
        {
            get
            {
                return String.Format(CultureInfo.InvariantCulture, "{0} {1,2} {2:HH:mm:ss} {3} GMT",
                    NotAfterUtc.ToString("MMM", CultureInfo.InvariantCulture), NotAfterUtc.Day, NotAfterUtc,
                    NotAfterUtc.Year);
            }
        }
    }

    /// <summary>An HTTP proxy; Display never contains the credentials.</summary>
    public class Proxy
    {
        public string Scheme;
        public string Host;
        public int Port;
        public string Username;
        public string Password;
        public string Display;
        public string Source;

        static readonly Regex UrlPattern = new Regex(@"^(?:(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://)?(?<netloc>[^/?#]*)");

        public static Proxy Parse(string url, string username, string password, string source)
        {
            string full = url.Contains("://") ? url : "http://" + url;
            Match m = UrlPattern.Match(full);
            string netloc = m.Groups["netloc"].Value;
            string userinfo = null;
            int at = netloc.LastIndexOf('@');
            if (at >= 0)
            {
                userinfo = netloc.Substring(0, at);
                netloc = netloc.Substring(at + 1);
            }
            string host = netloc;
            string port = null;
            if (netloc.StartsWith("["))
            {
                int close = netloc.IndexOf(']');
                host = close > 0 ? netloc.Substring(1, close - 1) : netloc.Substring(1);
                if (close > 0 && netloc.Length > close + 1 && netloc[close + 1] == ':')
                    port = netloc.Substring(close + 2);
            }
            else if (netloc.Contains(":"))
            {
                int colon = netloc.IndexOf(':');
                host = netloc.Substring(0, colon);
                port = netloc.Substring(colon + 1);
            }
            if (String.IsNullOrEmpty(host))
                throw new ArgumentException(String.Format(
                    "proxy URL '{0}' has no host; use the form http://proxy.example.com:3128", Redact(url)));
            Proxy proxy = new Proxy();
            proxy.Scheme = m.Groups["scheme"].Value.ToLowerInvariant();
            proxy.Host = host.ToLowerInvariant();
            int number;
            if (String.IsNullOrEmpty(port))
                proxy.Port = proxy.Scheme == "https" ? 443 : 80;
            else if (Int32.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number <= 65535)
                proxy.Port = number;
            else
                throw new ArgumentException(String.Format("proxy URL '{0}' has an invalid port", Redact(url)));
            string urlUser = null;
            string urlPassword = null;
            if (userinfo != null)
            {
                int colon = userinfo.IndexOf(':');
                urlUser = Uri.UnescapeDataString(colon >= 0 ? userinfo.Substring(0, colon) : userinfo);
                urlPassword = colon >= 0 ? Uri.UnescapeDataString(userinfo.Substring(colon + 1)) : null;
                if (urlUser.Length == 0)
                    urlUser = null;
                if (urlPassword != null && urlPassword.Length == 0)
                    urlPassword = null;
            }
            proxy.Username = username ?? urlUser;
            proxy.Password = password ?? urlPassword;
            proxy.Source = source;
            string creds = (proxy.Username != null || proxy.Password != null) ? "***@" : "";
            string shown = proxy.Host.Contains(":") ? "[" + proxy.Host + "]" : proxy.Host;
            proxy.Display = String.Format(CultureInfo.InvariantCulture, "{0}://{1}{2}:{3}", proxy.Scheme, creds, shown,
                proxy.Port);
            return proxy;
        }

        /// <summary>The URL with any user information replaced by ***.</summary>
        public static string Redact(string url)
        {
            if (url == null)
                return null;
            string full = url.Contains("://") ? url : "http://" + url;
            string netloc = UrlPattern.Match(full).Groups["netloc"].Value;
            int at = netloc.LastIndexOf('@');
            if (at < 0)
                return url;
            return url.Replace(netloc, "***@" + netloc.Substring(at + 1));
        }

        /// <summary>The password given inside the URL, raw and unescaped, to hide from every output.</summary>
        public static string[] UrlSecrets(string url)
        {
            if (String.IsNullOrEmpty(url) || !url.Contains("@"))
                return new string[0];
            string full = url.Contains("://") ? url : "http://" + url;
            string netloc = UrlPattern.Match(full).Groups["netloc"].Value;
            int at = netloc.LastIndexOf('@');
            if (at < 0)
                return new string[0];
            string userinfo = netloc.Substring(0, at);
            int colon = userinfo.IndexOf(':');
            if (colon < 0 || colon == userinfo.Length - 1)
                return new string[0];
            string raw = userinfo.Substring(colon + 1);
            string plain = raw;
            try
            {
                plain = Uri.UnescapeDataString(raw);
            }
            catch (UriFormatException)
            {
            }
            return plain == raw ? new string[] { raw } : new string[] { raw, plain };
        }

        public string Authorization()
        {
            if (Username == null && Password == null)
                return null;
            string raw = String.Format("{0}:{1}", Username ?? "", Password ?? "");
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));
        }
    }

    public class Settings
    {
        public double Timeout = 5;
        public string MinTlsVersion = "1.2";
        public X509Certificate2Collection CaCerts;
        public List<string> ExpectedIssuers = new List<string>();
        public Proxy Proxy;
        public List<string> Bypass = new List<string>();
        public List<string> NoProxy = new List<string>();
        public Dictionary<string, string> Resolve = new Dictionary<string, string>();
        public bool PrivateLink;
        public bool CheckInspection = true;
        /// <summary>Whether this runtime and OS may offer TLS 1.3 (Windows Server 2022 / build 20348 and later).</summary>
        public bool Tls13Available;

        public int TimeoutMs { get { return (int)Math.Max(1, Math.Round(Timeout * 1000)); } }

        public void SetNoProxy(string value)
        {
            NoProxy.Clear();
            foreach (string item in (value ?? "").Split(','))
            {
                string name = item.Trim().ToLowerInvariant();
                if (name.Length > 0)
                    NoProxy.Add(name);
            }
        }

        /// <summary>Read a PEM bundle of CA certificates to validate against instead of the host's trust store.</summary>
        public void LoadCaFile(string path)
        {
            string text = File.ReadAllText(path);
            CaCerts = new X509Certificate2Collection();
            foreach (Match m in Regex.Matches(text,
                "-----BEGIN CERTIFICATE-----(?<body>[A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----"))
            {
                byte[] der = Convert.FromBase64String(Regex.Replace(m.Groups["body"].Value, "\\s", ""));
                CaCerts.Add(new X509Certificate2(der));
            }
            if (CaCerts.Count == 0)
                throw new ArgumentException(String.Format(
                    "ca_path {0} holds no PEM certificate; give a PEM bundle of CA certificates", path));
        }
    }

    /// <summary>Records what the server presented and what was wrong with it; decides trust.</summary>
    public class CertCapture
    {
        readonly Settings settings;
        readonly bool acceptAll;
        public X509Certificate2 Cert;
        public SslPolicyErrors Errors = SslPolicyErrors.None;
        public X509ChainStatusFlags ChainFlags = X509ChainStatusFlags.NoError;
        public bool Called;

        readonly string host;

        public CertCapture(Settings settings, bool acceptAll, string host)
        {
            this.settings = settings;
            this.acceptAll = acceptAll;
            this.host = host;
        }

        public bool Validate(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors)
        {
            Called = true;
            Errors = errors;
            if (certificate == null)
                return acceptAll;
            Cert = new X509Certificate2(certificate);
            if (chain != null)
            {
                foreach (X509ChainStatus status in chain.ChainStatus)
                    ChainFlags |= status.Status;
            }
            if (settings != null && settings.CaCerts != null)
                CheckAgainstBundle();
            // The name is checked here too: some runtimes skip the name check once the chain has failed, and the
            // chain may then be accepted against ca_path.
            IPAddress literal;
            if (host != null && !IPAddress.TryParse(host, out literal) && !CertInfo.From(Cert).Names(host))
                Errors |= SslPolicyErrors.RemoteCertificateNameMismatch;
            return acceptAll || Errors == SslPolicyErrors.None;
        }

        void CheckAgainstBundle()
        {
            Errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
            ChainFlags = X509ChainStatusFlags.NoError;
            X509Chain own = new X509Chain();
            own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            own.ChainPolicy.ExtraStore.AddRange(settings.CaCerts);
            own.Build(Cert);
            bool anchored = false;
            foreach (X509ChainElement element in own.ChainElements)
            {
                foreach (X509ChainStatus status in element.ChainElementStatus)
                {
                    if (status.Status != X509ChainStatusFlags.UntrustedRoot)
                        ChainFlags |= status.Status;
                }
                foreach (X509Certificate2 ca in settings.CaCerts)
                {
                    if (String.Equals(ca.Thumbprint, element.Certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
                        anchored = true;
                }
            }
            if (!anchored)
                ChainFlags |= X509ChainStatusFlags.UntrustedRoot;
            if (ChainFlags != X509ChainStatusFlags.NoError)
                Errors |= SslPolicyErrors.RemoteCertificateChainErrors;
        }
    }

    class Conn
    {
        public Socket Socket;
        public Stream Stream;
        public Dictionary<string, object> Latency = new Dictionary<string, object>();

        public void Close()
        {
            try
            {
                if (Stream != null)
                    Stream.Close();
                if (Socket != null)
                    Socket.Close();
            }
            catch (Exception)
            {
            }
        }
    }

    class HttpAnswer
    {
        public int Status = -1;
        public string Reason = "";
        public Dictionary<string, string> Headers = new Dictionary<string, string>();
        public byte[] Rest = new byte[0];
    }

    public static class Engine
    {
        public const string UserAgent = "arcready-probe/1";
        public const string InspectionHint = "Azure Arc does not support TLS-inspecting proxies or firewalls: exempt "
            + "the Arc endpoints from inspection";
        const int ReadLimit = 1024 * 1024;
        const int HeadLimit = 65536;
        // SslProtocols by value: the names of the old ones are obsolete on .NET 7+, and Tls13 is missing before
        // .NET Framework 4.8.
        const SslProtocols Tls10 = (SslProtocols)192;
        const SslProtocols Tls11 = (SslProtocols)768;
        const SslProtocols Tls12 = (SslProtocols)3072;
        const SslProtocols Tls13 = (SslProtocols)12288;

        // ------------------------------------------------------------ small pure helpers

        public static string Describe(string cn, string org)
        {
            if (!String.IsNullOrEmpty(cn) && !String.IsNullOrEmpty(org) && !cn.Contains(org))
                return String.Format("{0} ({1})", cn, org);
            if (!String.IsNullOrEmpty(cn))
                return cn;
            return org ?? "";
        }

        public static string DnPart(X500DistinguishedName name, string key)
        {
            string text = name.Decode(X500DistinguishedNameFlags.UseNewLines);
            foreach (string line in text.Split(new char[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = line.IndexOf('=');
                if (eq > 0 && line.Substring(0, eq).Trim() == key)
                {
                    string value = line.Substring(eq + 1).Trim();
                    if (value.Length > 1 && value.StartsWith("\"") && value.EndsWith("\""))
                        value = value.Substring(1, value.Length - 2);
                    return value;
                }
            }
            return null;
        }

        public static string Seconds(double value)
        {
            return value.ToString("0.######", CultureInfo.InvariantCulture) + " s";
        }

        public static string VersionName(string version)
        {
            switch (version)
            {
                case "SSLv3": return "SSL 3.0";
                case "TLSv1": return "TLS 1.0";
                case "TLSv1.1": return "TLS 1.1";
                case "TLSv1.2": return "TLS 1.2";
                case "TLSv1.3": return "TLS 1.3";
                default: return version;
            }
        }

        /// <summary>The protocol as Python's ssl module names it, so both modules report the same values.</summary>
        public static string ProtocolName(SslProtocols protocol)
        {
            switch ((int)protocol)
            {
                case 48: return "SSLv3";
                case 192: return "TLSv1";
                case 768: return "TLSv1.1";
                case 3072: return "TLSv1.2";
                case 12288: return "TLSv1.3";
                default: return protocol.ToString();
            }
        }

        /// <summary>RFC 1918, carrier-grade NAT (RFC 6598) and IPv6 ULA count as private, as in the Python module.</summary>
        public static bool IsPrivate(string address)
        {
            string bare = address.Split('%')[0];
            IPAddress ip;
            if (!IPAddress.TryParse(bare, out ip))
                return false;
            byte[] b = ip.GetAddressBytes();
            if (ip.AddressFamily == AddressFamily.InterNetwork)
            {
                return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168)
                    || (b[0] == 100 && (b[1] & 0xC0) == 64);
            }
            return (b[0] & 0xFE) == 0xFC;
        }

        /// <summary>NO_PROXY semantics as curl and Go apply them: exact host, domain suffix, or '*'.</summary>
        public static bool NoProxyMatch(string host, IList<string> patterns)
        {
            host = host.ToLowerInvariant();
            foreach (string pattern in patterns)
            {
                if (pattern == "*")
                    return true;
                string bare = pattern.TrimStart('.').Split(':')[0];
                if (host == bare || host.EndsWith("." + bare))
                    return true;
            }
            return false;
        }

        /// <summary>The ASCII form of a host name (IDNA), as it goes into SNI, Host headers and CONNECT lines.</summary>
        public static string WireHost(string host)
        {
            foreach (char c in host)
            {
                if (c > 127)
                    return new IdnMapping().GetAscii(host);
            }
            return host;
        }

        /// <summary>A request target with anything outside the safe ASCII set percent-encoded (Python's quote()).</summary>
        public static string WirePath(string path)
        {
            const string safe = "/?&=%:@;+,!$'()*~-._#";
            StringBuilder sb = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(path))
            {
                char c = (char)b;
                if (b < 128 && (Char.IsLetterOrDigit(c) || safe.IndexOf(c) >= 0))
                    sb.Append(c);
                else
                    sb.AppendFormat(CultureInfo.InvariantCulture, "%{0:X2}", b);
            }
            return sb.ToString();
        }

        static object Get(IDictionary ep, string key)
        {
            return ep.Contains(key) ? ep[key] : null;
        }

        static string GetString(IDictionary ep, string key, string fallback)
        {
            object value = Get(ep, key);
            return value == null ? fallback : Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        static bool GetBool(IDictionary ep, string key, bool fallback)
        {
            object value = Get(ep, key);
            return value == null ? fallback : Convert.ToBoolean(value, CultureInfo.InvariantCulture);
        }

        static int GetInt(IDictionary ep, string key, int fallback)
        {
            object value = Get(ep, key);
            return value == null ? fallback : Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }

        static List<string> GetStrings(IDictionary ep, string key)
        {
            List<string> out_ = new List<string>();
            IEnumerable items = Get(ep, key) as IEnumerable;
            if (items != null && !(items is string))
            {
                foreach (object item in items)
                    out_.Add(Convert.ToString(item, CultureInfo.InvariantCulture));
            }
            return out_;
        }

        static int Ms(Stopwatch watch)
        {
            return (int)Math.Round(watch.Elapsed.TotalMilliseconds);
        }

        static string Endpoint(string address, int port)
        {
            return String.Format(CultureInfo.InvariantCulture, address.Contains(":") ? "[{0}]:{1}" : "{0}:{1}", address, port);
        }

        /// <summary>Exception messages down the inner chain, without the "see inner exception" wrappers.</summary>
        public static string Why(Exception exc)
        {
            List<string> parts = new List<string>();
            for (Exception e = exc; e != null; e = e.InnerException)
            {
                string message = (e.Message ?? "").Trim().TrimEnd('.');
                if (message.Length == 0 || message.IndexOf("inner exception", StringComparison.OrdinalIgnoreCase) >= 0)
                    continue;
                if (!parts.Contains(message))
                    parts.Add(message);
            }
            return parts.Count == 0 ? exc.GetType().Name : String.Join(": ", parts.ToArray());
        }

        static bool IsTimeout(Exception exc)
        {
            for (Exception e = exc; e != null; e = e.InnerException)
            {
                if (e is TimeoutException)
                    return true;
                SocketException se = e as SocketException;
                if (se != null && (se.SocketErrorCode == SocketError.TimedOut || se.SocketErrorCode == SocketError.WouldBlock))
                    return true;
            }
            return false;
        }

        // ------------------------------------------------------------ endpoints and results

        /// <summary>An explicit endpoint as the module receives it, with its path and URL filled in.</summary>
        public static Dictionary<string, object> Explicit(IDictionary item)
        {
            Dictionary<string, object> ep = new Dictionary<string, object>();
            foreach (DictionaryEntry entry in item)
                ep[(string)entry.Key] = entry.Value;
            string scheme = GetString(item, "scheme", "https");
            string host = GetString(item, "host", "");
            int port = GetInt(item, "port", 443);
            string path = GetString(item, "path", "/");
            if (path.Length == 0)
                path = "/";
            int defaultPort = scheme == "http" ? 80 : 443;
            ep["path"] = path;
            string url = GetString(item, "url", null);
            if (String.IsNullOrEmpty(url))
            {
                url = String.Format(CultureInfo.InvariantCulture, "{0}://{1}{2}{3}", scheme, host,
                    port == defaultPort ? "" : ":" + port.ToString(CultureInfo.InvariantCulture), path != "/" ? path : "");
            }
            ep["url"] = url;
            return ep;
        }

        public static Dictionary<string, object> NewResult(IDictionary ep)
        {
            string scheme = GetString(ep, "scheme", "https");
            string host = GetString(ep, "host", "");
            int port = GetInt(ep, "port", 443);
            string url = GetString(ep, "url", null);
            if (String.IsNullOrEmpty(url))
                url = String.Format(CultureInfo.InvariantCulture, "{0}://{1}:{2}{3}", scheme, host, port,
                    GetString(ep, "path", "/"));
            Dictionary<string, object> r = new Dictionary<string, object>();
            r["host"] = host;
            r["port"] = port;
            r["scheme"] = scheme;
            r["url"] = url;
            r["purpose"] = GetString(ep, "purpose", "");
            r["required"] = GetBool(ep, "required", true);
            r["probeable"] = GetBool(ep, "probeable", true);
            r["reason"] = GetString(ep, "reason", "");
            r["pattern"] = GetString(ep, "pattern", null);
            r["private_capable"] = GetBool(ep, "private_capable", false);
            r["ok"] = false;
            r["failed_stage"] = null;
            r["error"] = null;
            r["hint"] = null;
            r["latency_ms"] = new Dictionary<string, object>();
            r["addresses"] = new List<object>();
            r["private"] = null;
            r["tls_version"] = null;
            r["tls_cipher"] = null;
            r["cert_issuer"] = null;
            r["cert_subject"] = null;
            r["cert_not_after"] = null;
            r["tls_inspection"] = false;
            r["http_status"] = null;
            r["proxy"] = null;
            return r;
        }

        static bool UsesProxy(IDictionary ep, Settings s)
        {
            if (s.Proxy == null)
                return false;
            foreach (string name in GetStrings(ep, "bypass"))
            {
                if (s.Bypass.Contains(name))
                    return false;
            }
            return !NoProxyMatch(GetString(ep, "host", ""), s.NoProxy);
        }

        static void SetCert(Dictionary<string, object> result, CertInfo cert)
        {
            string issuer = cert.Issuer;
            string subject = cert.Subject;
            result["cert_issuer"] = issuer.Length > 0 ? issuer : null;
            result["cert_subject"] = subject.Length > 0 ? subject : null;
            result["cert_not_after"] = cert.NotAfter;
        }

        /// <summary>Probe one endpoint dict (host, port, scheme, path, ...); always returns a result dict.</summary>
        public static Dictionary<string, object> ProbeEndpoint(IDictionary ep, Settings s)
        {
            Dictionary<string, object> result = NewResult(ep);
            if (!(bool)result["probeable"])
            {
                result["error"] = "not probed: " + result["reason"];
                return result;
            }
            bool useProxy = UsesProxy(ep, s);
            result["proxy"] = useProxy ? s.Proxy.Display : null;
            string[] stage = new string[] { "input" };
            try
            {
                Stages(ep, s, useProxy, result, stage);
                result["ok"] = true;
            }
            catch (ProbeException exc)
            {
                result["failed_stage"] = exc.Stage;
                result["error"] = exc.Message;
                if (exc.Cert != null)
                    SetCert(result, exc.Cert);
                if (exc.Inspection)
                    result["tls_inspection"] = true;
            }
            catch (Exception exc)
            {
                // A name or path that cannot be put on the wire is the caller's input; anything else is reported
                // against the stage it happened in rather than lost.
                result["failed_stage"] = stage[0];
                result["error"] = stage[0] == "input"
                    ? String.Format(CultureInfo.InvariantCulture, "cannot probe {0}:{1}: {2}", result["host"], result["port"], Why(exc))
                    : String.Format(CultureInfo.InvariantCulture, "{0} with {1}:{2} failed unexpectedly: {3}",
                        stage[0].ToUpperInvariant(), result["host"], result["port"], Why(exc));
            }
            return result;
        }

        static void Stages(IDictionary ep, Settings s, bool useProxy, Dictionary<string, object> result, string[] stage)
        {
            string host = GetString(ep, "host", "");
            int port = GetInt(ep, "port", 443);
            string scheme = GetString(ep, "scheme", "https");
            string path = GetString(ep, "path", "/");
            if (path.Length == 0)
                path = "/";
            string wire = WireHost(host);
            Dictionary<string, object> latency = (Dictionary<string, object>)result["latency_ms"];
            if (useProxy && s.Proxy.Scheme != "http")
                throw new ProbeException("proxy", String.Format(
                    "the proxy {0} uses {1}://, which the Arc agent does not support: use an http:// proxy URL",
                    s.Proxy.Display, s.Proxy.Scheme));

            stage[0] = "dns";
            Stopwatch watch = Stopwatch.StartNew();
            List<string> addresses = new List<string>();
            try
            {
                addresses = Resolve(host, wire, s);
            }
            catch (ProbeException exc)
            {
                if (!useProxy)
                    throw;
                // Behind a proxy the proxy resolves the name; local DNS only matters for private link.
                result["hint"] = "resolved by the proxy only (" + exc.Message + ")";
            }
            latency["dns"] = Ms(watch);
            result["addresses"] = new List<object>(addresses.ToArray());
            if (addresses.Count > 0 && !useProxy)
                result["private"] = addresses.TrueForAll(IsPrivate);
            if (s.PrivateLink && GetBool(ep, "private_capable", false))
            {
                if (useProxy)
                {
                    result["hint"] = "private link with a proxy: add 'Arc' to the agent's proxy.bypass so this host is reached on its "
                        + "private endpoint";
                }
                else if (!(result["private"] is bool && (bool)result["private"]))
                {
                    stage[0] = "private_link";
                    List<string> pub = addresses.FindAll(delegate(string a) { return !IsPrivate(a); });
                    throw new ProbeException("private_link", String.Format(
                        "{0} resolves to public address {1}, but with private link it must resolve to the private endpoint: "
                        + "link the privatelink DNS zone (or a conditional forwarder) to this host's DNS servers",
                        host, String.Join(", ", pub.ToArray())));
                }
            }

            stage[0] = useProxy ? "proxy" : "tcp";
            Conn conn = Open(ep, wire, port, scheme, s, useProxy, addresses);
            foreach (KeyValuePair<string, object> item in conn.Latency)
                latency[item.Key] = item.Value;
            try
            {
                string target;
                if (scheme == "https")
                {
                    stage[0] = "tls";
                    watch = Stopwatch.StartNew();
                    CertCapture capture = new CertCapture(s, false, wire);
                    SslStream tls = Handshake(conn, ep, host, wire, port, s, useProxy, addresses, capture);
                    latency["tls"] = Ms(watch);
                    result["tls_version"] = ProtocolName(tls.SslProtocol);
                    result["tls_cipher"] = Cipher(tls);
                    CertInfo cert = capture.Cert != null ? CertInfo.From(capture.Cert) : null;
                    if (cert != null)
                        SetCert(result, cert);
                    if (s.CheckInspection && (cert == null || !IssuerExpected(cert, s)))
                    {
                        stage[0] = "tls_inspection";
                        result["tls_inspection"] = true;
                        throw new ProbeException("tls_inspection", String.Format(
                            "the certificate of {0} is issued by '{1}', not by a Microsoft CA: a proxy or firewall is inspecting "
                            + "TLS. {2}",
                            host, result["cert_issuer"], InspectionHint));
                    }
                    target = path;
                }
                else
                {
                    // Plain HTTP through a proxy uses the absolute form of the request target.
                    target = useProxy ? "http://" + host + path : path;
                }
                stage[0] = "http";
                watch = Stopwatch.StartNew();
                List<string> extra = new List<string>();
                if (useProxy && scheme == "http" && s.Proxy.Authorization() != null)
                    extra.Add("Proxy-Authorization: " + s.Proxy.Authorization());
                bool readBody = GetBool(ep, "read_body", false);
                HttpAnswer answer;
                byte[] body;
                try
                {
                    answer = Exchange(conn.Stream, "GET", target, host, extra, readBody, out body);
                }
                catch (Exception exc)
                {
                    if (IsTimeout(exc))
                        throw new ProbeException("http", String.Format("{0} accepted the connection but sent no HTTP answer within {1}",
                            host, Seconds(s.Timeout)));
                    if (exc is IOException || exc is SocketException || exc is ObjectDisposedException)
                        throw new ProbeException("http", String.Format("{0} closed the connection before answering HTTP: {1}", host, Why(exc)));
                    throw;
                }
                latency["http"] = Ms(watch);
                if (answer.Status < 0)
                    throw new ProbeException("http", String.Format(CultureInfo.InvariantCulture,
                        "{0} did not answer with HTTP (is something else listening on port {1}?)", host, port));
                result["http_status"] = answer.Status;
                if (useProxy && scheme == "http" && answer.Status == 407)
                    throw new ProbeException("proxy", String.Format(
                        "the proxy {0} answered 407 to GET {1}: it requires authentication (the Arc agent does not support "
                        + "authenticating proxies)",
                        s.Proxy.Display, target));
                if (readBody)
                    result["body"] = Encoding.UTF8.GetString(body);
            }
            finally
            {
                conn.Close();
            }
        }

        static bool IssuerExpected(CertInfo cert, Settings s)
        {
            List<string> parts = new List<string>();
            if (!String.IsNullOrEmpty(cert.IssuerOrg))
                parts.Add(cert.IssuerOrg);
            if (!String.IsNullOrEmpty(cert.IssuerCN))
                parts.Add(cert.IssuerCN);
            string text = String.Join(" ", parts.ToArray()).ToLowerInvariant();
            foreach (string expected in s.ExpectedIssuers)
            {
                if (text.Contains(expected.ToLowerInvariant()))
                    return true;
            }
            return false;
        }

        static string Cipher(SslStream tls)
        {
#if CORECLR
            return tls.NegotiatedCipherSuite.ToString();
#else
            return String.Format(CultureInfo.InvariantCulture, "{0}-{1}-{2}", tls.KeyExchangeAlgorithm, tls.CipherAlgorithm,
                tls.HashAlgorithm);
#endif
        }

        // ------------------------------------------------------------ DNS

        static List<string> Resolve(string host, string wire, Settings s)
        {
            string mapped;
            if (s.Resolve.TryGetValue(host, out mapped))
                return new List<string>(new string[] { mapped });
            IAsyncResult pending = Dns.BeginGetHostAddresses(wire, null, null);
            if (!pending.AsyncWaitHandle.WaitOne(s.TimeoutMs))
                throw new ProbeException("dns", String.Format("DNS lookup of {0} timed out after {1}: the DNS servers did not answer",
                    host, Seconds(s.Timeout)));
            IPAddress[] found;
            try
            {
                found = Dns.EndGetHostAddresses(pending);
            }
            catch (SocketException exc)
            {
                if (exc.SocketErrorCode == SocketError.HostNotFound || exc.SocketErrorCode == SocketError.NoData)
                    throw new ProbeException("dns", String.Format(
                        "DNS lookup of {0} failed: the name does not exist for this host's DNS servers (check the resolvers, "
                        + "or the private DNS zone when using private link)",
                        host));
                throw new ProbeException("dns", String.Format("DNS lookup of {0} failed: {1}", host, Why(exc)));
            }
            List<string> addresses = new List<string>();
            foreach (IPAddress ip in found)
            {
                string text = ip.ToString();
                if (!addresses.Contains(text))
                    addresses.Add(text);
            }
            if (addresses.Count == 0)
                throw new ProbeException("dns", String.Format("DNS lookup of {0} returned no addresses", host));
            return addresses;
        }

        // ------------------------------------------------------------ TCP

        static Socket Connect(string address, int port, Settings s, string what)
        {
            IPAddress ip = IPAddress.Parse(address);
            Socket sock = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            IAsyncResult pending;
            try
            {
                pending = sock.BeginConnect(new IPEndPoint(ip, port), null, null);
            }
            catch (SocketException exc)
            {
                sock.Close();
                throw new ProbeException("tcp", String.Format("TCP connect to {0} failed: {1}", what, Why(exc)));
            }
            if (!pending.AsyncWaitHandle.WaitOne(s.TimeoutMs))
            {
                sock.Close();
                throw new ProbeException("tcp", String.Format("TCP connect to {0} timed out after {1}: a firewall is probably dropping it",
                    what, Seconds(s.Timeout)));
            }
            try
            {
                sock.EndConnect(pending);
            }
            catch (SocketException exc)
            {
                sock.Close();
                if (exc.SocketErrorCode == SocketError.ConnectionRefused)
                    throw new ProbeException("tcp", String.Format(
                        "TCP connect to {0} was refused: nothing listens there, or a firewall rejects the connection",
                        what));
                if (exc.SocketErrorCode == SocketError.NetworkUnreachable || exc.SocketErrorCode == SocketError.HostUnreachable)
                    throw new ProbeException("tcp", String.Format("TCP connect to {0} failed: no route to the host ({1})", what, Why(exc)));
                if (exc.SocketErrorCode == SocketError.TimedOut)
                    throw new ProbeException("tcp", String.Format("TCP connect to {0} timed out after {1}: a firewall is probably dropping it",
                        what, Seconds(s.Timeout)));
                throw new ProbeException("tcp", String.Format("TCP connect to {0} failed: {1}", what, Why(exc)));
            }
            sock.NoDelay = true;
            sock.ReceiveTimeout = s.TimeoutMs;
            sock.SendTimeout = s.TimeoutMs;
            return sock;
        }

        /// <summary>Try each address; a timeout stops the walk so one endpoint never costs more than one timeout.</summary>
        static Socket ConnectAny(List<string> addresses, int port, Settings s)
        {
            ProbeException last = null;
            foreach (string address in addresses)
            {
                try
                {
                    return Connect(address, port, s, Endpoint(address, port));
                }
                catch (ProbeException exc)
                {
                    last = exc;
                    if (exc.Message.Contains("timed out"))
                        break;
                }
            }
            if (last == null)
                throw new ProbeException("tcp", "no address to connect to");
            throw last;
        }

        /// <summary>TCP (and CONNECT through the proxy) to the endpoint.</summary>
        static Conn Open(IDictionary ep, string wire, int port, string scheme, Settings s, bool useProxy, List<string> addresses)
        {
            Conn conn = new Conn();
            Stopwatch watch = Stopwatch.StartNew();
            if (useProxy)
            {
                Proxy proxy = s.Proxy;
                try
                {
                    List<string> proxyAddresses;
                    string mapped;
                    if (s.Resolve.TryGetValue(proxy.Host, out mapped))
                        proxyAddresses = new List<string>(new string[] { mapped });
                    else
                        proxyAddresses = Resolve(proxy.Host, WireHost(proxy.Host), s);
                    conn.Socket = ConnectAny(proxyAddresses, proxy.Port, s);
                }
                catch (ProbeException exc)
                {
                    throw new ProbeException("proxy", String.Format("could not reach the proxy {0}: {1}", proxy.Display, exc.Message));
                }
                conn.Stream = new NetworkStream(conn.Socket, true);
                conn.Latency["tcp"] = Ms(watch);
                if (scheme == "https")
                {
                    watch = Stopwatch.StartNew();
                    try
                    {
                        Tunnel(conn.Stream, proxy, wire, port, s);
                    }
                    catch (ProbeException)
                    {
                        conn.Close();
                        throw;
                    }
                    conn.Latency["proxy"] = Ms(watch);
                }
                return conn;
            }
            conn.Socket = ConnectAny(addresses, port, s);
            conn.Stream = new NetworkStream(conn.Socket, true);
            conn.Latency["tcp"] = Ms(watch);
            return conn;
        }

        // ------------------------------------------------------------ HTTP on a stream

        static byte[] ReadHead(Stream stream)
        {
            MemoryStream data = new MemoryStream();
            byte[] buffer = new byte[4096];
            while (true)
            {
                int n = stream.Read(buffer, 0, buffer.Length);
                if (n <= 0)
                    break;
                data.Write(buffer, 0, n);
                if (IndexOfEnd(data.GetBuffer(), (int)data.Length) >= 0 || data.Length > HeadLimit)
                    break;
            }
            return data.ToArray();
        }

        static int IndexOfEnd(byte[] data, int length)
        {
            for (int i = 0; i + 3 < length; i++)
            {
                if (data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10)
                    return i;
            }
            return -1;
        }

        static HttpAnswer ParseHead(byte[] data)
        {
            HttpAnswer answer = new HttpAnswer();
            int end = IndexOfEnd(data, data.Length);
            int headLength = end >= 0 ? end : data.Length;
            if (end >= 0)
            {
                answer.Rest = new byte[data.Length - end - 4];
                Array.Copy(data, end + 4, answer.Rest, 0, answer.Rest.Length);
            }
            string head = Encoding.GetEncoding(28591).GetString(data, 0, headLength);
            string[] lines = head.Split(new string[] { "\r\n" }, StringSplitOptions.None);
            string[] fields = lines.Length > 0 ? lines[0].Split(new char[] { ' ' }, 3) : new string[0];
            int status;
            if (fields.Length < 2 || !fields[0].StartsWith("HTTP/") || fields[1].Length == 0
                || !Int32.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out status))
                return answer;
            answer.Status = status;
            answer.Reason = fields.Length > 2 ? fields[2] : "";
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                string name = (colon >= 0 ? lines[i].Substring(0, colon) : lines[i]).Trim().ToLowerInvariant();
                answer.Headers[name] = colon >= 0 ? lines[i].Substring(colon + 1).Trim() : "";
            }
            return answer;
        }

        static byte[] Dechunk(byte[] body)
        {
            MemoryStream output = new MemoryStream();
            int pos = 0;
            while (pos < body.Length)
            {
                int eol = -1;
                for (int i = pos; i + 1 < body.Length; i++)
                {
                    if (body[i] == 13 && body[i + 1] == 10)
                    {
                        eol = i;
                        break;
                    }
                }
                if (eol < 0)
                    break;
                string sizeLine = Encoding.ASCII.GetString(body, pos, eol - pos).Split(';')[0].Trim();
                int size;
                if (!Int32.TryParse(sizeLine.Length == 0 ? "0" : sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out size)
                    || size == 0)
                    break;
                pos = eol + 2;
                int take = Math.Min(size, body.Length - pos);
                output.Write(body, pos, take);
                pos += size + 2;
            }
            return output.ToArray();
        }

        static HttpAnswer Exchange(Stream stream, string method, string target, string host, List<string> extra,
            bool readBody, out byte[] body)
        {
            List<string> request = new List<string>();
            request.Add(String.Format("{0} {1} HTTP/1.1", method, WirePath(target)));
            request.Add("Host: " + WireHost(host));
            request.Add("User-Agent: " + UserAgent);
            request.Add("Accept: */*");
            request.Add("Connection: close");
            request.AddRange(extra);
            byte[] bytes = Encoding.ASCII.GetBytes(String.Join("\r\n", request.ToArray()) + "\r\n\r\n");
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
            HttpAnswer answer = ParseHead(ReadHead(stream));
            body = new byte[0];
            if (readBody && answer.Status >= 0)
            {
                MemoryStream all = new MemoryStream();
                all.Write(answer.Rest, 0, answer.Rest.Length);
                byte[] buffer = new byte[65536];
                while (all.Length < ReadLimit)
                {
                    int n;
                    try
                    {
                        n = stream.Read(buffer, 0, buffer.Length);
                    }
                    catch (IOException)
                    {
                        break;
                    }
                    if (n <= 0)
                        break;
                    all.Write(buffer, 0, n);
                }
                body = all.ToArray();
                string encoding;
                if (answer.Headers.TryGetValue("transfer-encoding", out encoding) && encoding.ToLowerInvariant().Contains("chunked"))
                    body = Dechunk(body);
            }
            return answer;
        }

        // ------------------------------------------------------------ proxy

        static void Tunnel(Stream stream, Proxy proxy, string wire, int port, Settings s)
        {
            string auth = proxy.Authorization();
            string target = String.Format(CultureInfo.InvariantCulture, "{0}:{1}", wire, port);
            HttpAnswer answer;
            try
            {
                List<string> request = new List<string>();
                request.Add(String.Format("CONNECT {0} HTTP/1.1", target));
                request.Add("Host: " + target);
                request.Add("User-Agent: " + UserAgent);
                if (auth != null)
                    request.Add("Proxy-Authorization: " + auth);
                byte[] bytes = Encoding.ASCII.GetBytes(String.Join("\r\n", request.ToArray()) + "\r\n\r\n");
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush();
                answer = ParseHead(ReadHead(stream));
            }
            catch (Exception exc)
            {
                if (IsTimeout(exc))
                    throw new ProbeException("proxy", String.Format("the proxy {0} did not answer CONNECT {1} within {2}",
                        proxy.Display, target, Seconds(s.Timeout)));
                if (exc is IOException || exc is SocketException || exc is ObjectDisposedException)
                    throw new ProbeException("proxy", String.Format("the proxy {0} dropped the connection during CONNECT {1}: {2}",
                        proxy.Display, target, Why(exc)));
                throw;
            }
            if (answer.Status < 0)
                throw new ProbeException("proxy", String.Format("the proxy {0} did not answer CONNECT {1} with HTTP: is it really an HTTP proxy?",
                    proxy.Display, target));
            if (answer.Status == 407)
                throw new ProbeException("proxy", String.Format(
                    "the proxy {0} answered 407 to CONNECT {1}: {2} (note that the Arc agent does not support "
                    + "authenticating proxies)",
                    proxy.Display, target, auth != null ? "the credentials were rejected" : "it requires authentication"));
            if (answer.Status / 100 != 2)
                throw new ProbeException("proxy", String.Format(CultureInfo.InvariantCulture,
                    "the proxy {0} refused CONNECT {1} with {2} {3}: allow this host and port on the proxy",
                    proxy.Display, target, answer.Status, answer.Reason.Trim()));
        }

        // ------------------------------------------------------------ TLS

        static SslProtocols Protocols(Settings s)
        {
            if (s.MinTlsVersion == "1.3")
                return Tls13;
            return s.Tls13Available ? (Tls12 | Tls13) : Tls12;
        }

        static SslStream Handshake(Conn conn, IDictionary ep, string host, string wire, int port, Settings s, bool useProxy,
            List<string> addresses, CertCapture capture)
        {
            if (s.MinTlsVersion == "1.3" && !s.Tls13Available)
                throw new ProbeException("tls", String.Format(
                    "TLS 1.3 was asked for {0} (min_tls_version=1.3), but this host cannot offer it: TLS 1.3 needs "
                    + "Windows Server 2022 or later",
                    host));
            SslStream tls = new SslStream(conn.Stream, false, new RemoteCertificateValidationCallback(capture.Validate));
            tls.ReadTimeout = s.TimeoutMs;
            tls.WriteTimeout = s.TimeoutMs;
            try
            {
                tls.AuthenticateAsClient(wire, null, Protocols(s), false);
                conn.Stream = tls;
                return tls;
            }
            catch (Exception exc)
            {
                tls.Dispose();
                conn.Close();
                if (IsTimeout(exc))
                    throw new ProbeException("tls", String.Format(
                        "TLS handshake with {0} timed out after {1}: the connection opened but nothing answered the TLS hello "
                        + "(a firewall or proxy filtering TLS?)",
                        host, Seconds(s.Timeout)));
                if (!(exc is AuthenticationException || exc is IOException || exc is SocketException || exc is ObjectDisposedException
                      || exc is System.ComponentModel.Win32Exception))
                    throw;
                throw TlsFailure(exc, capture, ep, host, wire, port, s, useProxy, addresses);
            }
        }

        static ProbeException TlsFailure(Exception exc, CertCapture capture, IDictionary ep, string host, string wire, int port,
            Settings s, bool useProxy, List<string> addresses)
        {
            if (capture.Cert != null && capture.Errors != SslPolicyErrors.None)
                return CertFailure(capture, host, s);
            string text = Why(exc);
            string lower = text.ToLowerInvariant();
            if (lower.Contains("function requested is not supported") || lower.Contains("no protocols available"))
                return new ProbeException("tls", String.Format(
                    "this host's SCHANNEL configuration does not allow TLS {0} or later for clients (check the Enabled "
                    + "and DisabledByDefault values under "
                    + "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client; "
                    + "the arcready.network.arc_tls role sets them): {1}",
                    s.MinTlsVersion, text));
            if (lower.Contains("wrong version number") || lower.Contains("badly formatted") || lower.Contains("http request"))
                return new ProbeException("tls", String.Format(CultureInfo.InvariantCulture,
                    "{0} answered the TLS hello with something else, most likely plain HTTP: port {1} does not speak TLS "
                        + "here (a proxy or load balancer in the way?)",
                    host, port));
            if (exc is IOException && !(exc is AuthenticationException) && !lower.Contains("alert"))
                return new ProbeException("tls", String.Format(
                    "the connection to {0} was closed during the TLS handshake ({1}): a firewall or proxy is probably "
                    + "blocking TLS to this name",
                    host, text));
            string offered = ServerVersion(ep, wire, port, s, useProxy, addresses);
            if (offered != null && offered != "TLSv1.2" && offered != "TLSv1.3")
                return new ProbeException("tls", String.Format("{0} only offers {1}; Azure Arc needs TLS {2} or later",
                    host, VersionName(offered), s.MinTlsVersion));
            return new ProbeException("tls", String.Format(
                "TLS handshake with {0} failed: no common protocol version or cipher at TLS {1} or later ({2})",
                host, s.MinTlsVersion, text));
        }

        static ProbeException CertFailure(CertCapture capture, string host, Settings s)
        {
            CertInfo cert = CertInfo.From(capture.Cert);
            ProbeException failure;
            bool expired = (capture.ChainFlags & X509ChainStatusFlags.NotTimeValid) != 0 && cert.NotAfterUtc < DateTime.UtcNow;
            if (expired)
            {
                failure = new ProbeException("tls", String.Format("the certificate of {0} expired on {1}", host, cert.NotAfter));
            }
            else if ((capture.Errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                string names = cert.DnsNames.Count > 0 ? String.Join(", ", cert.DnsNames.ToArray()) : cert.Subject;
                failure = new ProbeException("tls", String.Format(
                    "the certificate presented for {0} is for other names ({1}): a proxy or DNS entry is sending this "
                    + "name to the wrong server",
                    host, names.Length > 0 ? names : "unknown"));
            }
            else if (cert.Issuer.Length > 0 && !IssuerExpected(cert, s))
            {
                failure = new ProbeException("tls_inspection", String.Format(
                    "the certificate of {0} is issued by '{1}', which this host does not trust and which is not a "
                    + "Microsoft CA: {2}",
                    host, cert.Issuer, InspectionHint));
                failure.Inspection = true;
            }
            else
            {
                string why = capture.ChainFlags != X509ChainStatusFlags.NoError ? capture.ChainFlags.ToString() : capture.Errors.ToString();
                failure = new ProbeException("tls", String.Format("the certificate of {0} is not trusted by this host ({1}{2})",
                    host, why, cert.Issuer.Length > 0 ? ", issuer '" + cert.Issuer + "'" : ""));
            }
            failure.Cert = cert;
            return failure;
        }

        /// <summary>Which TLS version the server picks when old ones are allowed: explains a failed handshake.</summary>
        static string ServerVersion(IDictionary ep, string wire, int port, Settings s, bool useProxy, List<string> addresses)
        {
            Conn conn;
            try
            {
                conn = Open(ep, wire, port, "https", s, useProxy, addresses);
            }
            catch (ProbeException)
            {
                return null;
            }
            CertCapture any = new CertCapture(null, true, null);
            SslStream tls = new SslStream(conn.Stream, false, new RemoteCertificateValidationCallback(any.Validate));
            tls.ReadTimeout = s.TimeoutMs;
            tls.WriteTimeout = s.TimeoutMs;
            try
            {
                tls.AuthenticateAsClient(wire, null, Tls10 | Tls11 | Tls12, false);
                return ProtocolName(tls.SslProtocol);
            }
            catch (Exception)
            {
                return null;
            }
            finally
            {
                tls.Dispose();
                conn.Close();
            }
        }

        // ------------------------------------------------------------ many endpoints

        /// <summary>Probe every endpoint with at most `workers` threads; results keep the order of `endpoints`.</summary>
        public static List<object> ProbeAll(IList endpoints, Settings s, int workers)
        {
            int count = endpoints.Count;
            Dictionary<string, object>[] results = new Dictionary<string, object>[count];
            int next = -1;
            List<Thread> threads = new List<Thread>();
            int size = Math.Max(1, Math.Min(workers, count));
            for (int w = 0; w < size && count > 0; w++)
            {
                Thread thread = new Thread(delegate()
                {
                    while (true)
                    {
                        int i = Interlocked.Increment(ref next);
                        if (i >= count)
                            break;
                        results[i] = ProbeEndpoint((IDictionary)endpoints[i], s);
                    }
                });
                thread.IsBackground = true;
                thread.Start();
                threads.Add(thread);
            }
            foreach (Thread thread in threads)
                thread.Join();
            return new List<object>(results);
        }

        public static Dictionary<string, object> Summarize(IList results)
        {
            int ok = 0, failed = 0, requiredFailed = 0, notProbeable = 0, inspection = 0;
            foreach (IDictionary r in results)
            {
                bool probeable = (bool)r["probeable"];
                if ((bool)r["ok"])
                    ok++;
                if (probeable && !(bool)r["ok"])
                {
                    failed++;
                    if ((bool)r["required"])
                        requiredFailed++;
                }
                if (!probeable)
                    notProbeable++;
                if ((bool)r["tls_inspection"])
                    inspection++;
            }
            Dictionary<string, object> summary = new Dictionary<string, object>();
            summary["total"] = results.Count;
            summary["ok"] = ok;
            summary["failed"] = failed;
            summary["required_failed"] = requiredFailed;
            summary["not_probeable"] = notProbeable;
            summary["tls_inspection"] = inspection;
            return summary;
        }

        static string CellPrivate(IDictionary r)
        {
            if (r["proxy"] != null || r["private"] == null)
                return "unknown";
            return (bool)r["private"] ? "true" : "false";
        }

        static string CellTls(IDictionary r)
        {
            if (r["tls_version"] != null)
                return VersionName((string)r["tls_version"]);
            return (string)r["scheme"] == "http" ? "n/a" : "unknown";
        }

        /// <summary>azcmagent check style: ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY, sorted by endpoint.</summary>
        public static string Table(IList results)
        {
            List<IDictionary> sorted = new List<IDictionary>();
            foreach (IDictionary r in results)
                sorted.Add(r);
            sorted.Sort(delegate(IDictionary a, IDictionary b)
            {
                int byUrl = String.CompareOrdinal((string)a["url"], (string)b["url"]);
                return byUrl != 0 ? byUrl :
                    Convert.ToInt32(a["port"], CultureInfo.InvariantCulture).CompareTo(Convert.ToInt32(b["port"], CultureInfo.InvariantCulture));
            });
            List<string[]> rows = new List<string[]>();
            rows.Add(new string[] { "ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY" });
            foreach (IDictionary r in sorted)
            {
                if (!(bool)r["probeable"])
                {
                    rows.Add(new string[] { (string)r["url"], "not probed", "-", "-", "-" });
                    continue;
                }
                rows.Add(new string[] {
                    (string)r["url"],
                    (bool)r["ok"] ? "true" : "false (" + r["failed_stage"] + ")",
                    CellPrivate(r),
                    CellTls(r),
                    r["proxy"] != null ? "used" : "not used",
                });
            }
            int[] widths = new int[5];
            foreach (string[] row in rows)
            {
                for (int i = 0; i < 5; i++)
                    widths[i] = Math.Max(widths[i], row[i].Length);
            }
            List<string> lines = new List<string>();
            foreach (string[] row in rows)
            {
                string[] cells = new string[5];
                for (int i = 0; i < 5; i++)
                    cells[i] = row[i].PadRight(widths[i]);
                lines.Add(String.Join(" | ", cells).TrimEnd());
            }
            return String.Join("\n", lines.ToArray());
        }
    }
}
'@

Function Get-AgentPath {
    # The agent installs under Program Files; azcmagent.exe is also on the machine PATH once installed.
    foreach ($root in @($env:ProgramW6432, $env:ProgramFiles)) {
        if (-not $root) {
            continue
        }
        $candidate = Join-Path -Path $root -ChildPath 'AzureConnectedMachineAgent\azcmagent.exe'
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            return $candidate
        }
    }
    $command = Get-Command -Name 'azcmagent.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) {
        return $command.Source
    }
    return $null
}

Function Get-AgentSetting {
    <# The output of 'azcmagent config get <name>', or '' when it fails. Run-Command keeps stderr apart, so a
    warning the agent prints there cannot become a terminating error as with & under Windows PowerShell 5.1. #>
    param([string]$Agent, [string]$Name)
    try {
        $run = Run-Command -command ('"{0}" config get {1}' -f $Agent, $Name)
    }
    catch {
        return ''
    }
    if ($run.rc -eq 0) {
        return [string]$run.stdout
    }
    return ''
}

Function Get-AgentProxy {
    <# The agent's proxy.url and proxy.bypass, when azcmagent is installed: @{ url = ...; bypass = @(...) } #>
    $agent = Get-AgentPath
    if (-not $agent) {
        return $null
    }
    $urlText = Get-AgentSetting -Agent $agent -Name 'proxy.url'
    $bypassText = Get-AgentSetting -Agent $agent -Name 'proxy.bypass'
    $url = $null
    if ($urlText -match 'https?://\S+') {
        $url = $Matches[0].Trim('"', "'", ',', ']')
    }
    $bypass = @(foreach ($name in @('AAD', 'ARM', 'Arc', 'ArcData')) {
            if ($bypassText -cmatch "\b$name\b") { $name }
        })
    return @{ url = $url; bypass = $bypass }
}

Function Get-EnvironmentValue {
    <# Machine scope first (what the agent's services read after a restart), then this process. #>
    param([string]$Name)
    $value = [Environment]::GetEnvironmentVariable($Name, 'Machine')
    if (-not $value) {
        $value = [Environment]::GetEnvironmentVariable($Name, 'Process')
    }
    return $value
}

Function Select-Proxy {
    <# @{ proxy; source; bypass; no_proxy }, following the agent's precedence. #>
    param($Params)
    $wanted = "$($Params.proxy_url)".Trim()
    $bypass = $Params.proxy_bypass
    $user = $Params.proxy_username
    $password = $Params.proxy_password
    if ($wanted -eq '' -or $wanted -eq 'none') {
        return @{ proxy = $null; source = 'none'; bypass = @($bypass); no_proxy = '' }
    }
    if ($wanted -ne 'auto') {
        $proxy = [ArcReady.Network.Probe.Proxy]::Parse($wanted, $user, $password, 'option')
        return @{ proxy = $proxy; source = 'option'; bypass = @($bypass); no_proxy = '' }
    }
    $agent = Get-AgentProxy
    if ($agent -and $agent.url) {
        $proxy = [ArcReady.Network.Probe.Proxy]::Parse($agent.url, $user, $password, 'agent')
        $chosen = if ($null -eq $bypass) { $agent.bypass } else { $bypass }
        return @{ proxy = $proxy; source = 'agent'; bypass = @($chosen); no_proxy = '' }
    }
    $envUrl = Get-EnvironmentValue -Name 'HTTPS_PROXY'
    if ($envUrl) {
        $proxy = [ArcReady.Network.Probe.Proxy]::Parse($envUrl, $user, $password, 'environment')
        return @{ proxy = $proxy; source = 'environment'; bypass = @($bypass); no_proxy = "$(Get-EnvironmentValue -Name 'NO_PROXY')" }
    }
    return @{ proxy = $null; source = 'none'; bypass = @($bypass); no_proxy = '' }
}

Function Get-ServiceBusHost {
    <# Host names ending in the Service Bus suffix, wherever they sit in the allowlist JSON. #>
    param([string]$Body, [string]$Suffix)
    $document = ConvertFrom-Json -InputObject $Body
    $found = New-Object -TypeName System.Collections.ArrayList
    $pending = New-Object -TypeName System.Collections.Stack
    $pending.Push($document)
    while ($pending.Count -gt 0) {
        $node = $pending.Pop()
        if ($null -eq $node) {
            continue
        }
        if ($node -is [string]) {
            $name = $node.Trim().ToLowerInvariant()
            if ($name.Contains('://')) {
                $uri = $null
                $name = if ([Uri]::TryCreate($name, 'Absolute', [ref]$uri)) { $uri.Host } else { '' }
            }
            if ($name.EndsWith(".$Suffix") -and -not $found.Contains($name)) {
                $null = $found.Add($name)
            }
        }
        elseif ($node -is [System.Collections.IDictionary]) {
            foreach ($value in $node.Values) { $pending.Push($value) }
        }
        elseif ($node -is [System.Collections.IEnumerable]) {
            $items = @($node)
            [Array]::Reverse($items)
            foreach ($value in $items) { $pending.Push($value) }
        }
        elseif ($node -is [PSCustomObject]) {
            $values = @($node.PSObject.Properties | ForEach-Object { $_.Value })
            [Array]::Reverse($values)
            foreach ($value in $values) { $pending.Push($value) }
        }
    }
    return , $found
}

Function Expand-ServiceBus {
    <# Replace the azgn* wildcard row with the hosts the guest notification allowlist names. #>
    param($Endpoints, $Settings, [string]$Region)
    $wildcard = @($Endpoints | Where-Object { -not $_['probeable'] -and "$($_['pattern'])".StartsWith('azgn*.') })
    $gns = @($Endpoints | Where-Object { $_['probeable'] -and "$($_['host'])".StartsWith('guestnotificationservice.') })
    if ($wildcard.Count -eq 0 -or $gns.Count -eq 0) {
        return , $Endpoints
    }
    $row = $wildcard[0]
    $suffix = "$($row['pattern'])".Split('.', 2)[1]
    $request = [ArcReady.Network.Probe.Engine]::Explicit($gns[0])
    $request['path'] = "/urls/allowlist?api-version=2020-01-01&location=$Region"
    $request['read_body'] = $true
    $answer = [ArcReady.Network.Probe.Engine]::ProbeEndpoint($request, $Settings)
    if (-not $answer['ok'] -or $answer['http_status'] -ne 200) {
        $why = if ($answer['error']) { $answer['error'] } else { "HTTP $($answer['http_status'])" }
        $row['reason'] = "the guest notification allowlist could not be fetched ($why); $($row['reason'])"
        return , $Endpoints
    }
    try {
        $hosts = Get-ServiceBusHost -Body $answer['body'] -Suffix $suffix
    }
    catch {
        $row['reason'] = "the guest notification allowlist was not JSON; $($row['reason'])"
        return , $Endpoints
    }
    if ($hosts.Count -eq 0) {
        $row['reason'] = "the guest notification allowlist named no $suffix hosts; $($row['reason'])"
        return , $Endpoints
    }
    $out = New-Object -TypeName System.Collections.ArrayList
    foreach ($ep in $Endpoints) {
        if ([Object]::ReferenceEquals($ep, $row)) {
            foreach ($name in $hosts) {
                $copy = [ArcReady.Network.Probe.Engine]::Explicit($row)
                $copy['host'] = $name
                $copy['url'] = "https://$name"
                $copy['probeable'] = $true
                $copy['reason'] = ''
                $null = $out.Add($copy)
            }
        }
        else {
            $null = $out.Add($ep)
        }
    }
    return , $out
}

Function Get-SafeInvocation {
    <# module_args for the result with the proxy password masked, wherever it was given. #>
    param($Params)
    $copy = @{}
    foreach ($key in @($Params.Keys)) {
        $copy[$key] = $Params[$key]
    }
    if ($copy.proxy_url) {
        $copy.proxy_url = [ArcReady.Network.Probe.Proxy]::Redact([string]$copy.proxy_url)
    }
    if ($copy.proxy_password) {
        $copy.proxy_password = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    }
    return @{ module_args = $copy }
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params

if ($p.timeout -le 0) {
    $module.FailJson("timeout must be a positive number of seconds, got $($p.timeout)")
}
if ($p.workers -lt 1) {
    $module.FailJson("workers must be at least 1, got $($p.workers)")
}
if ($p.ca_path -and -not (Test-Path -LiteralPath $p.ca_path -PathType Leaf)) {
    $module.FailJson("ca_path $($p.ca_path) is not a file on this host; give a PEM bundle of CA certificates")
}

Add-CSharpType -AnsibleModule $module -References $ProbeEngine

# A password inside proxy_url is not a no_log option: keep it out of every output Ansible.Basic writes.
$module.Result.invocation = Get-SafeInvocation -Params $p
$noLogField = $module.GetType().GetField('noLogValues', [Reflection.BindingFlags]'NonPublic, Instance')
if ($noLogField) {
    foreach ($secret in [ArcReady.Network.Probe.Proxy]::UrlSecrets([string]$p.proxy_url)) {
        $null = $noLogField.GetValue($module).Add($secret)
    }
}

Function Get-InnerMessage {
    <# The message of the exception a .NET method threw, not PowerShell's MethodInvocationException around it. #>
    param($ErrorRecord)
    $exception = $ErrorRecord.Exception
    while ($exception.InnerException) {
        $exception = $exception.InnerException
    }
    return $exception.Message
}

try {
    $choice = Select-Proxy -Params $p
}
catch {
    $module.FailJson("proxy_url: $(Get-InnerMessage -ErrorRecord $_)")
}
$proxy = $choice.proxy
if ($proxy -and $proxy.Password) {
    if ($noLogField) {
        $null = $noLogField.GetValue($module).Add($proxy.Password)
    }
}
$warnings = New-Object -TypeName System.Collections.ArrayList
if ($proxy) {
    if ($proxy.Username -or $proxy.Password) {
        $null = $warnings.Add(("the proxy $($proxy.Display) uses credentials: the Arc agent does not support authenticating " +
                "proxies, so onboarding will fail through it even if this probe succeeds"))
    }
    if ($proxy.Scheme -ne 'http') {
        $null = $warnings.Add("the proxy $($proxy.Display) is not an http:// proxy: the Arc agent does not support HTTPS proxies")
    }
}

$region = $null
if ($p.region) {
    # The same normalisation as the catalogue: portal display names become the short name.
    $region = "$($p.region)".Replace(' ', '').ToLowerInvariant()
}
if (-not $p.endpoints) {
    $module.FailJson(("no endpoints to probe: the catalogue is expanded on the controller by the arcready.network.probe " +
            "action plugin, which fills endpoints from cloud and region; call the module by that name"))
}
$endpoints = New-Object -TypeName System.Collections.ArrayList
foreach ($item in $p.endpoints) {
    $null = $endpoints.Add([ArcReady.Network.Probe.Engine]::Explicit($item))
}

$settings = New-Object -TypeName ArcReady.Network.Probe.Settings
$settings.Timeout = [double]$p.timeout
$settings.MinTlsVersion = $p.min_tls_version
$settings.PrivateLink = [bool]$p.private_link
$settings.CheckInspection = [bool]$p.check_tls_inspection
$settings.Proxy = $proxy
$settings.SetNoProxy($choice.no_proxy)
foreach ($name in @($choice.bypass)) {
    if ($name) { $settings.Bypass.Add([string]$name) }
}
$issuers = if ($p.expected_issuers) { $p.expected_issuers } else {
    @('Microsoft Corporation', 'Microsoft Azure', 'Microsoft RSA', 'Microsoft ECC', 'DigiCert', 'GeoTrust', 'GlobalSign')
}
foreach ($issuer in $issuers) {
    $settings.ExpectedIssuers.Add([string]$issuer)
}
foreach ($key in @($p.resolve.Keys)) {
    $settings.Resolve[[string]$key] = [string]$p.resolve[$key]
}
# TLS 1.3 in SChannel: Windows Server 2022 (build 20348) and later, on a runtime that knows the protocol.
$settings.Tls13Available = ([Environment]::OSVersion.Version.Build -ge 20348) -and
[Enum]::IsDefined([System.Security.Authentication.SslProtocols], 12288)
if ($p.ca_path) {
    try {
        $settings.LoadCaFile($p.ca_path)
    }
    catch {
        $module.FailJson("ca_path $($p.ca_path): $(Get-InnerMessage -ErrorRecord $_)")
    }
}

if ($p.expand_service_bus -and $region) {
    $endpoints = Expand-ServiceBus -Endpoints $endpoints -Settings $settings -Region $region
}

$results = [ArcReady.Network.Probe.Engine]::ProbeAll($endpoints, $settings, [int]$p.workers)
$summary = [ArcReady.Network.Probe.Engine]::Summarize($results)
if ($summary['tls_inspection'] -gt 0) {
    $null = $warnings.Add(("$($summary['tls_inspection']) endpoint(s) presented certificates not issued by an expected CA: " +
            "TLS inspection is not supported by Azure Arc"))
}
foreach ($warning in $warnings) {
    $module.Warn($warning)
}

$module.Result.changed = $false
$module.Result.endpoints = $results
$module.Result.summary = $summary
$module.Result.table = [ArcReady.Network.Probe.Engine]::Table($results)
$module.Result.proxy = if ($proxy) { $proxy.Display } else { $null }
$module.Result.proxy_source = $choice.source
# Sorted as Python sorts: ordinal, so ARM comes before Arc.
$bypassNames = [string[]]@($choice.bypass | Where-Object { $_ })
[Array]::Sort($bypassNames, [StringComparer]::Ordinal)
$module.Result.proxy_bypass = $bypassNames

$failing = @($results | Where-Object {
        $_['probeable'] -and -not $_['ok'] -and ($p.fail_on -eq 'any' -or ($p.fail_on -eq 'required' -and $_['required']))
    })
if ($failing.Count -gt 0) {
    $lines = @($failing | ForEach-Object { '{0}:{1} ({2}) {3}' -f $_['host'], $_['port'], $_['failed_stage'], $_['error'] })
    $kind = if ($p.fail_on -eq 'required') { 'required' } else { 'probed' }
    $module.FailJson(('{0} {1} endpoint(s) failed: {2}' -f $failing.Count, $kind, ($lines -join '; ')))
}
$module.ExitJson()
