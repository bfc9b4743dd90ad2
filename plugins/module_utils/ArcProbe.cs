// Copyright (c) arcready.network contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The Windows probe engine of arcready.network.probe (plugins/modules/probe.ps1 loads it with
// #AnsibleRequires -CSharpUtil). It does the network work only: DNS, TCP, HTTP CONNECT, TLS and HTTP for each
// endpoint, and returns results that follow plugins/module_utils/_contract.py (docs/result_contract.md): every
// RESULT_FIELDS key, failed_stage and a failed_reason code. Summary, table and verdict are the controller's.
//
// C# 5 with no PowerShell types, so Windows PowerShell 5.1 (.NET Framework csc) and PowerShell 7 (Roslyn) compile
// it, and the integration tests compile it with Mono's mcs -langversion:5 and run it under mono.
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

//TypeAccelerator -Name ArcProbe.Engine -TypeName Engine
//TypeAccelerator -Name ArcProbe.Settings -TypeName Settings
//TypeAccelerator -Name ArcProbe.Proxy -TypeName Proxy

namespace ansible_collections.arcready.network.plugins.module_utils.ArcProbe
{
    /// <summary>A failed stage: Stage and Reason (a _contract.py code), Message is the sentence shown to people.</summary>
    public class ProbeException : Exception
    {
        public string Stage;
        public string Reason;
        public CertInfo Cert;
        public bool Inspection;
        /// <summary>Set when the code was chosen knowing whether the budget had run out: not overridden.</summary>
        public bool Final;

        public ProbeException(string stage, string reason, string message) : base(message)
        {
            Stage = stage;
            Reason = reason;
        }
    }

    /// <summary>The wall-clock budget of one endpoint. Every wait is cut to what is left of it, and when it runs
    /// out the watchdog shuts every socket of the endpoint, so a server trickling bytes cannot stretch it.</summary>
    public class Deadline : IDisposable
    {
        // A wait cut to the remaining budget ends a few milliseconds early or late; within this it counts as spent.
        const int SlackMs = 15;
        readonly Stopwatch watch = Stopwatch.StartNew();
        readonly object gate = new object();
        readonly List<Socket> sockets = new List<Socket>();
        bool expired;
        // The current stage may last TimeoutMs from its start (docs/result_contract.md): the watchdog shuts the
        // stage's sockets at its end too, so a trickled answer ends the stage with the stage's own timeout code.
        int stageEndMs;
        bool stageExpired;
        public readonly int BudgetMs;
        public readonly int TimeoutMs;

        public Deadline(int timeoutMs, int budgetMs)
        {
            TimeoutMs = timeoutMs;
            BudgetMs = budgetMs;
            stageEndMs = Math.Min(timeoutMs, budgetMs);
            Watchdog.Add(this);
        }

        /// <summary>A stage starts: it may take TimeoutMs from now, cut to the budget.</summary>
        public void BeginStage()
        {
            lock (gate)
            {
                stageEndMs = (int)Math.Min((long)BudgetMs, (long)ElapsedMs + TimeoutMs);
                stageExpired = false;
            }
            Watchdog.Wake(this);
        }

        /// <summary>Milliseconds until the stage or the budget ends, whichever is first.</summary>
        internal int DueInMs { get { lock (gate) { return Math.Min(BudgetMs, stageEndMs) - ElapsedMs; } } }

        /// <summary>The current stage's time ran out (before the budget did).</summary>
        public bool StageExpired
        {
            get
            {
                lock (gate)
                {
                    return stageExpired || ElapsedMs >= stageEndMs - SlackMs;
                }
            }
        }

        public int ElapsedMs { get { return (int)watch.ElapsedMilliseconds; } }

        public int RemainingMs { get { return Math.Max(0, BudgetMs - ElapsedMs); } }

        /// <summary>How long the next single wait may last: the stage timeout, cut to the budget left.</summary>
        /// <summary>The timeout of a socket or stream that outlives its stage: the timeout, cut to the budget left
        /// (the watchdog ends the stage itself).</summary>
        public int SocketWaitMs { get { return Math.Max(1, Math.Min(TimeoutMs, RemainingMs)); } }

        public int WaitMs { get { lock (gate) { return Math.Max(1, Math.Min(stageEndMs, BudgetMs) - ElapsedMs); } } }

        public bool Expired
        {
            get
            {
                lock (gate)
                {
                    return expired || ElapsedMs >= BudgetMs - SlackMs;
                }
            }
        }

        /// <summary>Shut this socket when the budget runs out (at once if it already has).</summary>
        public void Watch(Socket socket)
        {
            lock (gate)
            {
                if (!expired)
                {
                    sockets.Add(socket);
                    return;
                }
            }
            Kill(socket);
        }

        /// <summary>Called by the watchdog when DueInMs is spent: shuts the sockets; true when the whole budget is
        /// spent (the deadline is then done), false when only the stage's time is (a next stage starts a new one).</summary>
        internal bool Expire()
        {
            List<Socket> doomed;
            bool all;
            lock (gate)
            {
                all = ElapsedMs >= BudgetMs;
                if (all)
                    expired = true;
                else
                    stageExpired = true;
                doomed = new List<Socket>(sockets);
                sockets.Clear();
            }
            foreach (Socket socket in doomed)
                Kill(socket);
            return all;
        }

        public ProbeException StageTimedOut(string stage, string host)
        {
            ProbeException exc = new ProbeException(stage, stage + ".timeout", String.Format(CultureInfo.InvariantCulture,
                "{0}: the {1} stage did not complete within {2}: the server or a middlebox answers too slowly "
                + "(bytes trickled, or a wait that never ends)",
                host, stage, Engine.Seconds(TimeoutMs / 1000.0)));
            exc.Final = true;
            return exc;
        }

        static void Kill(Socket socket)
        {
            // Shutdown wakes a thread blocked in a read on every runtime; Close alone does not on all of them.
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception)
            {
            }
            try
            {
                socket.Close();
            }
            catch (Exception)
            {
            }
        }

        public ProbeException Exceeded(string stage, string host)
        {
            ProbeException exc = new ProbeException(stage, "deadline.exceeded", String.Format(CultureInfo.InvariantCulture,
                "{0}: the endpoint's budget of {1} ran out in the {2} stage: the server or a middlebox answers too slowly "
                + "(bytes trickled, or a wait that never ends)",
                host, Engine.Seconds(BudgetMs / 1000.0), stage));
            exc.Final = true;
            return exc;
        }

        public void Dispose()
        {
            Watchdog.Remove(this);
        }
    }

    /// <summary>One thread of its own that expires deadlines. Not a thread-pool timer: blocked TLS reads can
    /// starve the pool (Mono runs SslStream's reads there), and then a timer would fire only once they end.</summary>
    static class Watchdog
    {
        static readonly object gate = new object();
        static readonly List<Deadline> pending = new List<Deadline>();
        // Deadlines whose stage ran out, waiting for their next stage (BeginStage) to be watched again.
        static readonly List<Deadline> parked = new List<Deadline>();
        static Thread thread;

        public static void Wake(Deadline deadline)
        {
            lock (gate)
            {
                if (parked.Remove(deadline))
                    pending.Add(deadline);
                Monitor.Pulse(gate);
            }
        }

        public static void Add(Deadline deadline)
        {
            lock (gate)
            {
                pending.Add(deadline);
                if (thread == null)
                {
                    thread = new Thread(Loop);
                    thread.IsBackground = true;
                    thread.Name = "ArcProbe deadline watchdog";
                    thread.Start();
                }
                Monitor.Pulse(gate);
            }
        }

        public static void Remove(Deadline deadline)
        {
            lock (gate)
            {
                pending.Remove(deadline);
                parked.Remove(deadline);
            }
        }

        static void Loop()
        {
            while (true)
            {
                List<Deadline> due = new List<Deadline>();
                lock (gate)
                {
                    int wait = System.Threading.Timeout.Infinite;
                    foreach (Deadline deadline in pending)
                    {
                        int left = deadline.DueInMs;
                        if (left <= 0)
                            due.Add(deadline);
                        else if (wait == System.Threading.Timeout.Infinite || left < wait)
                            wait = left;
                    }
                    if (due.Count == 0)
                    {
                        Monitor.Wait(gate, wait);
                        continue;
                    }
                }
                foreach (Deadline deadline in due)
                {
                    // A spent stage stays watched (until its next stage or the budget); a spent budget is done.
                    bool done = deadline.Expire();
                    lock (gate)
                    {
                        pending.Remove(deadline);
                        if (!done)
                            parked.Add(deadline);
                    }
                }
            }
        }
    }

    /// <summary>A stream that keeps the first bytes the peer sent: tells a plain-HTTP answer, a TLS alert or a
    /// silent close apart without relying on the wording of the runtime's TLS errors.</summary>
    public class FirstBytes : Stream
    {
        readonly Stream inner;
        readonly MemoryStream first = new MemoryStream();
        public bool Eof;

        public FirstBytes(Stream inner)
        {
            this.inner = inner;
        }

        public byte[] Seen { get { return first.ToArray(); } }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            if (n <= 0)
                Eof = true;
            else if (first.Length < 16)
                first.Write(buffer, offset, (int)Math.Min(n, 16 - first.Length));
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) { inner.Write(buffer, offset, count); }
        public override void Flush() { inner.Flush(); }
        public override bool CanRead { get { return inner.CanRead; } }
        public override bool CanWrite { get { return inner.CanWrite; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanTimeout { get { return inner.CanTimeout; } }
        public override int ReadTimeout { get { return inner.ReadTimeout; } set { inner.ReadTimeout = value; } }
        public override int WriteTimeout { get { return inner.WriteTimeout; } set { inner.WriteTimeout = value; } }
        public override long Length { get { throw new NotSupportedException(); } }
        public override long Position { get { throw new NotSupportedException(); } set { throw new NotSupportedException(); } }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { throw new NotSupportedException(); }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
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

    /// <summary>An HTTP proxy URL as plugins/module_utils/_proxy.py parses it; Display never holds the credentials.
    /// Messages start with the option name and never hold the password.</summary>
    public class Proxy
    {
        public const string Mask = "********";
        public string Scheme;
        public string Host;
        public int Port;
        public string Username;
        public string Password;
        public string Source;

        static readonly Regex SchemePattern = new Regex(@"^([A-Za-z][A-Za-z0-9+.\-]*)://");
        static readonly Regex HostPattern = new Regex(@"^[A-Za-z0-9_.\-]+$");
        static readonly Regex BadChars = new Regex(@"[\s\x00-\x1f\x7f]");

        public bool HasCredentials { get { return !String.IsNullOrEmpty(Username) || !String.IsNullOrEmpty(Password); } }

        public string Display
        {
            get
            {
                return String.Format(CultureInfo.InvariantCulture, "{0}://{1}{2}:{3}", Scheme,
                    HasCredentials ? Mask + "@" : "", Engine.UrlHost(Host), Port);
            }
        }

        static ArgumentException Fail(string option, string url, string message)
        {
            return new ArgumentException(String.Format("{0}: '{1}' {2}", option, Redact(url), message));
        }

        public static Proxy Parse(string url, string username, string password, string source)
        {
            return Parse(url, username, password, source, "proxy_url");
        }

        public static Proxy Parse(string url, string username, string password, string source, string option)
        {
            string text = (url ?? "").Trim();
            if (text.Length == 0)
                throw new ArgumentException(option + ": is empty; use the form http://proxy.example.com:3128");
            string scheme = "http";
            Match m = SchemePattern.Match(text);
            if (m.Success)
            {
                scheme = m.Groups[1].Value.ToLowerInvariant();
                text = text.Substring(m.Length);
            }
            if (scheme != "http" && scheme != "https")
                throw Fail(option, url, "uses the scheme " + scheme + "://; the Arc agent talks to its proxy over http://");
            string userinfo = null;
            int at = text.LastIndexOf('@');
            if (at >= 0)
            {
                userinfo = text.Substring(0, at);
                text = text.Substring(at + 1);
            }
            string hostport = Regex.Split(text, "[/?#]")[0];
            string urlUser = null, urlPassword = null;
            if (userinfo != null)
            {
                int colon = userinfo.IndexOf(':');
                urlUser = Unescape(colon >= 0 ? userinfo.Substring(0, colon) : userinfo);
                urlPassword = colon >= 0 ? Unescape(userinfo.Substring(colon + 1)) : null;
            }
            if (BadChars.IsMatch(hostport))
                throw Fail(option, url, "has white space or a control character in its host");
            string host, portText = null;
            if (hostport.StartsWith("["))
            {
                int close = hostport.IndexOf(']');
                if (close < 0)
                    throw Fail(option, url, "opens an IPv6 address with [ but never closes it");
                host = hostport.Substring(1, close - 1);
                string rest = hostport.Substring(close + 1);
                IPAddress ip;
                if (!IPAddress.TryParse(host.Split('%')[0], out ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                    throw Fail(option, url, "has '" + host + "' in brackets, which is not an IPv6 address");
                if (rest.Length > 0 && !rest.StartsWith(":"))
                    throw Fail(option, url, "has text after the IPv6 address; use http://[addr]:port");
                if (rest.Length > 0)
                    portText = rest.Substring(1);
            }
            else
            {
                if (hostport.Split(':').Length > 2)
                    throw Fail(option, url, "looks like an IPv6 address without brackets; write http://[addr]:port");
                int colon = hostport.IndexOf(':');
                host = colon >= 0 ? hostport.Substring(0, colon) : hostport;
                if (colon >= 0)
                    portText = hostport.Substring(colon + 1);
                if (host.Length == 0)
                    throw Fail(option, url, "has no host; use the form http://proxy.example.com:3128");
                if (!HostPattern.IsMatch(host))
                    throw Fail(option, url, "has the host '" + host + "', which is not a valid host name");
                host = host.ToLowerInvariant();
            }
            int port;
            if (portText == null)
                port = scheme == "https" ? 443 : 80;
            else if (!Int32.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1
                     || port > 65535 || portText.Length > 5)
                throw Fail(option, url, "has the port '" + portText + "'; a port is a number from 1 to 65535");
            Proxy proxy = new Proxy();
            proxy.Scheme = scheme;
            proxy.Host = host;
            proxy.Port = port;
            string user = !String.IsNullOrEmpty(username) ? username : urlUser;
            proxy.Username = String.IsNullOrEmpty(user) ? null : user;
            proxy.Password = !String.IsNullOrEmpty(password) ? password : urlPassword;
            proxy.Source = source;
            return proxy;
        }

        static string Unescape(string text)
        {
            try
            {
                return Uri.UnescapeDataString(text);
            }
            catch (UriFormatException)
            {
                return text;
            }
        }

        /// <summary>The text with the user information of the URL replaced by the mask.</summary>
        public static string Redact(string url)
        {
            if (url == null)
                return null;
            int at = url.LastIndexOf('@');
            if (at < 0)
                return url;
            Match m = SchemePattern.Match(url);
            return (m.Success ? m.Value : "") + Mask + url.Substring(at);
        }

        /// <summary>The password given inside the URL, raw and unescaped, to hide from every output.</summary>
        public static string[] UrlSecrets(string url)
        {
            if (String.IsNullOrEmpty(url))
                return new string[0];
            string text = SchemePattern.Replace(url.Trim(), "");
            int at = text.LastIndexOf('@');
            if (at < 0)
                return new string[0];
            string userinfo = text.Substring(0, at);
            int colon = userinfo.IndexOf(':');
            if (colon < 0 || colon == userinfo.Length - 1)
                return new string[0];
            string raw = userinfo.Substring(colon + 1);
            string plain = Unescape(raw);
            return plain == raw ? new string[] { raw } : new string[] { raw, plain };
        }

        public string Authorization()
        {
            if (!HasCredentials)
                return null;
            string raw = String.Format("{0}:{1}", Username ?? "", Password ?? "");
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));
        }
    }

    public class Settings
    {
        public double Timeout = 5;
        /// <summary>Wall-clock seconds one endpoint may take in all; 0 means twice Timeout.</summary>
        public double Budget;
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

        static int Milliseconds(double seconds)
        {
            if (Double.IsNaN(seconds) || seconds <= 0)
                return 1;
            return (int)Math.Min(Int32.MaxValue / 2, Math.Max(1, Math.Round(seconds * 1000)));
        }

        public int TimeoutMs { get { return Milliseconds(Timeout); } }

        public int BudgetMs { get { return Budget > 0 ? Milliseconds(Budget) : Milliseconds(Math.Min(2 * Timeout, Engine.MaxDeadline)); } }

        /// <summary>The per-endpoint deadline in seconds (_contract.default_deadline when none is given).</summary>
        public double Deadline { get { return BudgetMs / 1000.0; } }

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
            FileInfo info = new FileInfo(path);
            if (!info.Exists)
                throw new ArgumentException(String.Format("ca_path: {0} is not a file on this host; give a PEM bundle of "
                    + "CA certificates", path));
            if (info.Length > 16 * 1024 * 1024)
                throw new ArgumentException(String.Format("ca_path: {0} is larger than 16 MiB; give a PEM bundle of CA "
                    + "certificates", path));
            string text = File.ReadAllText(path);
            CaCerts = new X509Certificate2Collection();
            foreach (Match m in Regex.Matches(text,
                "-----BEGIN CERTIFICATE-----(?<body>[A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----"))
            {
                try
                {
                    byte[] der = Convert.FromBase64String(Regex.Replace(m.Groups["body"].Value, "\\s", ""));
                    CaCerts.Add(new X509Certificate2(der));
                }
                catch (Exception exc)
                {
                    throw new ArgumentException(String.Format("ca_path: {0} holds a certificate that cannot be read ({1}); "
                        + "give a PEM bundle of CA certificates", path, Engine.Why(exc)));
                }
            }
            if (CaCerts.Count == 0)
                throw new ArgumentException(String.Format(
                    "ca_path: {0} holds no PEM certificate; give a PEM bundle of CA certificates", path));
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
        public FirstBytes First;
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
        public int Received;
        public string Reason = "";
        public Dictionary<string, string> Headers = new Dictionary<string, string>();
        public byte[] Rest = new byte[0];
    }

    /// <summary>One endpoint being probed: what it is, its budget, and what it measured so far.</summary>
    class Probe
    {
        public string Host;
        public string Wire;
        public int Port;
        public string Scheme;
        public string Path;
        public bool UseProxy;
        public Settings S;
        public Deadline Deadline;
        public IDictionary Ep;
        public List<string> Addresses = new List<string>();
        public Dictionary<string, object> Result;
        string stage = "input";

        /// <summary>The stage being run; setting it starts the stage's time (each stage may take the timeout).</summary>
        public string Stage
        {
            get { return stage; }
            set
            {
                stage = value;
                if (Deadline != null)
                    Deadline.BeginStage();
            }
        }
    }

    public static class Engine
    {
        /// <summary>The version of plugins/module_utils/_contract.py this engine follows (CONTRACT_VERSION).</summary>
        public const int ContractVersion = 1;
        // The caps of plugins/module_utils/_contract.py (a unit test compares them).
        /// <summary>The most endpoints probed at once; one thread each (MAX_WORKERS).</summary>
        public const int MaxWorkers = 64;
        /// <summary>The most Service Bus hosts taken from the guest notification allowlist (MAX_ALLOWLIST_HOSTS).</summary>
        public const int MaxAllowlistHosts = 500;
        /// <summary>The largest guest notification allowlist body read, in bytes (MAX_ALLOWLIST_BYTES).</summary>
        public const int MaxAllowlistBytes = 1024 * 1024;
        /// <summary>The largest timeout, in seconds (MAX_TIMEOUT).</summary>
        public const double MaxTimeout = 120;
        /// <summary>The largest per-endpoint deadline, in seconds (MAX_DEADLINE).</summary>
        public const double MaxDeadline = 600;
        /// <summary>The most endpoints in one run (MAX_ENDPOINTS).</summary>
        public const int MaxEndpoints = 5000;
        public const string UserAgent = "arcready-probe/1";
        public const string InspectionHint = "Azure Arc does not support TLS-inspecting proxies or firewalls: exempt "
            + "the Arc endpoints from inspection";
        const int ReadLimit = MaxAllowlistBytes;
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

        /// <summary>The protocol as Python's ssl module names it, so both engines report the same values.</summary>
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

        static readonly string[] VersionOrder = { "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };

        /// <summary>Whether the version a server picked is older than min_tls_version (_probe._older_than_minimum):
        /// a TLS 1.2 server against a minimum of 1.3 offers only versions older than the minimum.</summary>
        public static bool OlderThanMinimum(string offered, string minimum)
        {
            int have = offered == null ? -1 : Array.IndexOf(VersionOrder, offered);
            return have >= 0 && have < Array.IndexOf(VersionOrder, "TLSv" + minimum);
        }

        /// <summary>The record-layer version of a TLS alert or hello, named as ProtocolName does.</summary>
        static string RecordVersion(byte major, byte minor)
        {
            if (major != 3)
                return null;
            switch (minor)
            {
                case 0: return "SSLv3";
                case 1: return "TLSv1";
                case 2: return "TLSv1.1";
                default: return null;
            }
        }

        /// <summary>RFC 1918, carrier-grade NAT (RFC 6598) and IPv6 ULA count as private, as in the Python engine.</summary>
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

        /// <summary>A host as it appears in a URL, a Host header or a CONNECT line: IPv6 literals in brackets.</summary>
        public static string UrlHost(string host)
        {
            return host.Contains(":") ? "[" + host + "]" : host;
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

        /// <summary>Why a host name or path cannot go on the wire as given, or null when it can.</summary>
        public static string InputProblem(string host, int port, string path)
        {
            if (String.IsNullOrEmpty(host))
                return "the host is empty";
            foreach (char c in host)
            {
                if (c <= ' ' || c == 127)
                    return String.Format(CultureInfo.InvariantCulture,
                        "the host contains white space or a control character (U+{0:X4}); give a bare host name", (int)c);
            }
            if (port < 1 || port > 65535)
                return String.Format(CultureInfo.InvariantCulture, "the port {0} is not a number from 1 to 65535", port);
            foreach (char c in path ?? "")
            {
                if (c < ' ' || c == 127)
                    return String.Format(CultureInfo.InvariantCulture,
                        "the path contains a control character (U+{0:X4})", (int)c);
            }
            // Before TryParse, which accepts "[::1]" too.
            if (host.StartsWith("["))
                return "the host is an IPv6 address in brackets; give it without brackets";
            IPAddress ip;
            if (IPAddress.TryParse(host, out ip))
                return null;
            string wire;
            try
            {
                wire = WireHost(host);
            }
            catch (ArgumentException)
            {
                return "the host is not a valid internationalised domain name";
            }
            if (wire.Length > 253)
                return "the host name is longer than 253 characters";
            foreach (char c in wire)
            {
                if (!(Char.IsLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '*'))
                    return String.Format(CultureInfo.InvariantCulture,
                        "the host contains '{0}', which is not allowed in a host name", c);
            }
            return null;
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
            if (value == null)
                return fallback;
            try
            {
                return Convert.ToInt32(value, CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                return -1;
            }
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
            return String.Format(CultureInfo.InvariantCulture, "{0}:{1}", UrlHost(address), port);
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

        static bool IsNetworkError(Exception exc)
        {
            return exc is IOException || exc is SocketException || exc is ObjectDisposedException;
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
                url = String.Format(CultureInfo.InvariantCulture, "{0}://{1}{2}{3}", scheme, UrlHost(host),
                    port == defaultPort ? "" : ":" + port.ToString(CultureInfo.InvariantCulture), path != "/" ? path : "");
            }
            ep["url"] = url;
            return ep;
        }

        /// <summary>A result with every field of the contract (RESULT_FIELDS, in its order).</summary>
        public static Dictionary<string, object> NewResult(IDictionary ep)
        {
            string scheme = GetString(ep, "scheme", "https");
            string host = GetString(ep, "host", "");
            int port = GetInt(ep, "port", 443);
            string url = GetString(ep, "url", null);
            if (String.IsNullOrEmpty(url))
                url = String.Format(CultureInfo.InvariantCulture, "{0}://{1}:{2}{3}", scheme, UrlHost(host), port,
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
            r["failed_reason"] = null;
            r["error"] = null;
            r["hint"] = null;
            r["latency_ms"] = new Dictionary<string, object>();
            r["elapsed_ms"] = 0;
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
            r["host_source"] = null;
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

        /// <summary>Probe one endpoint dict (host, port, scheme, path, ...); always returns a result dict, within
        /// the endpoint's budget.</summary>
        public static Dictionary<string, object> ProbeEndpoint(IDictionary ep, Settings s)
        {
            Dictionary<string, object> result = NewResult(ep);
            if (!(bool)result["probeable"])
            {
                result["error"] = "not probed: " + result["reason"];
                return result;
            }
            Probe p = new Probe();
            p.Ep = ep;
            p.S = s;
            p.Result = result;
            p.Host = (string)result["host"];
            p.Port = (int)result["port"];
            p.Scheme = (string)result["scheme"];
            p.Path = GetString(ep, "path", "/");
            if (p.Path.Length == 0)
                p.Path = "/";
            p.UseProxy = UsesProxy(ep, s);
            result["proxy"] = p.UseProxy ? s.Proxy.Display : null;
            using (p.Deadline = new Deadline(s.TimeoutMs, s.BudgetMs))
            {
                try
                {
                    string problem = InputProblem(p.Host, p.Port, p.Path);
                    if (problem != null)
                        throw new ProbeException("input", "input.invalid", String.Format(CultureInfo.InvariantCulture,
                            "cannot probe {0}:{1}: {2}", Printable(p.Host), p.Port, problem));
                    p.Wire = WireHost(p.Host);
                    Stages(p);
                    result["ok"] = true;
                }
                catch (ProbeException exc)
                {
                    ProbeException failure = exc;
                    if (!exc.Final && p.Deadline.Expired)
                        failure = p.Deadline.Exceeded(exc.Stage, p.Host);
                    else if (!exc.Final && exc.Stage == p.Stage && p.Deadline.StageExpired && HasTimeoutCode(exc.Stage))
                        failure = p.Deadline.StageTimedOut(exc.Stage, p.Host);
                    result["failed_stage"] = failure.Stage;
                    result["failed_reason"] = failure.Reason;
                    result["error"] = failure.Message;
                    if (exc.Cert != null)
                        SetCert(result, exc.Cert);
                    if (exc.Inspection)
                        result["tls_inspection"] = true;
                }
                catch (Exception exc)
                {
                    // Anything unforeseen is reported against the stage it happened in rather than lost.
                    ProbeException failure = null;
                    if (p.Deadline.Expired)
                        failure = p.Deadline.Exceeded(p.Stage, p.Host);
                    else if (p.Deadline.StageExpired && HasTimeoutCode(p.Stage))
                        failure = p.Deadline.StageTimedOut(p.Stage, p.Host);
                    if (failure != null)
                    {
                        result["failed_reason"] = failure.Reason;
                        result["error"] = failure.Message;
                    }
                    else
                    {
                        result["failed_reason"] = "engine.error";
                        result["error"] = String.Format(CultureInfo.InvariantCulture,
                            "the engine failed unexpectedly in the {0} stage of {1}:{2} (please report it): {3}",
                            p.Stage, Printable(p.Host), p.Port, Why(exc));
                    }
                    result["failed_stage"] = p.Stage;
                }
                result["elapsed_ms"] = p.Deadline.ElapsedMs;
            }
            return result;
        }

        /// <summary>Whether the stage has its own timeout code in _contract.REASONS.</summary>
        static bool HasTimeoutCode(string stage)
        {
            return stage == "dns" || stage == "tcp" || stage == "proxy" || stage == "tls" || stage == "http";
        }

        /// <summary>A host name with control characters shown as \uXXXX, for messages.</summary>
        static string Printable(string text)
        {
            StringBuilder sb = new StringBuilder();
            foreach (char c in text ?? "")
            {
                if (c < ' ' || c == 127)
                    sb.AppendFormat(CultureInfo.InvariantCulture, "\\u{0:x4}", (int)c);
                else
                    sb.Append(c);
            }
            return sb.ToString();
        }

        static void Stages(Probe p)
        {
            Settings s = p.S;
            Dictionary<string, object> result = p.Result;
            Dictionary<string, object> latency = (Dictionary<string, object>)result["latency_ms"];
            if (p.UseProxy && s.Proxy.Scheme != "http")
            {
                p.Stage = "proxy";
                throw new ProbeException("proxy", "proxy.unsupported_scheme", String.Format(
                    "the proxy {0} uses {1}://, which the Arc agent does not support: use an http:// proxy URL",
                    s.Proxy.Display, s.Proxy.Scheme));
            }

            p.Stage = "dns";
            Stopwatch watch = Stopwatch.StartNew();
            try
            {
                p.Addresses = Resolve(p.Host, p.Wire, p);
            }
            catch (ProbeException exc)
            {
                if (!p.UseProxy || exc.Reason == "deadline.exceeded" || p.Deadline.Expired)
                    throw;
                // Behind a proxy the proxy resolves the name; local DNS only matters for private link.
                result["hint"] = "resolved by the proxy only (" + exc.Message + ")";
            }
            latency["dns"] = Ms(watch);
            result["addresses"] = new List<object>(p.Addresses.ToArray());
            if (p.Addresses.Count > 0 && !p.UseProxy)
                result["private"] = p.Addresses.TrueForAll(IsPrivate);
            if (s.PrivateLink && GetBool(p.Ep, "private_capable", false))
            {
                if (p.UseProxy)
                {
                    result["hint"] = "private link with a proxy: add 'Arc' to the agent's proxy.bypass so this host is reached on its "
                        + "private endpoint";
                }
                else if (!(result["private"] is bool && (bool)result["private"]))
                {
                    p.Stage = "private_link";
                    List<string> pub = p.Addresses.FindAll(delegate(string a) { return !IsPrivate(a); });
                    throw new ProbeException("private_link", "private_link.public_address", String.Format(
                        "{0} resolves to public address {1}, but with private link it must resolve to the private endpoint: "
                        + "link the privatelink DNS zone (or a conditional forwarder) to this host's DNS servers",
                        p.Host, String.Join(", ", pub.ToArray())));
                }
            }

            p.Stage = p.UseProxy ? "proxy" : "tcp";
            Conn conn = Open(p, p.Scheme);
            foreach (KeyValuePair<string, object> item in conn.Latency)
                latency[item.Key] = item.Value;
            try
            {
                string target;
                if (p.Scheme == "https")
                {
                    p.Stage = "tls";
                    watch = Stopwatch.StartNew();
                    CertCapture capture = new CertCapture(s, false, p.Wire);
                    SslStream tls = Handshake(conn, p, capture);
                    latency["tls"] = Ms(watch);
                    result["tls_version"] = ProtocolName(tls.SslProtocol);
                    result["tls_cipher"] = Cipher(tls);
                    CertInfo cert = capture.Cert != null ? CertInfo.From(capture.Cert) : null;
                    if (cert != null)
                        SetCert(result, cert);
                    if (s.CheckInspection && (cert == null || !IssuerExpected(cert, s)))
                    {
                        p.Stage = "tls_inspection";
                        result["tls_inspection"] = true;
                        throw new ProbeException("tls_inspection", "tls_inspection.reissued", String.Format(
                            "the certificate of {0} is issued by '{1}', not by a Microsoft CA: a proxy or firewall is inspecting "
                            + "TLS. {2}",
                            p.Host, result["cert_issuer"], InspectionHint));
                    }
                    target = p.Path;
                }
                else
                {
                    // Plain HTTP through a proxy uses the absolute form of the request target.
                    target = p.UseProxy ? "http://" + Authority(p.Wire, p.Port, "http") + p.Path : p.Path;
                }
                p.Stage = "http";
                watch = Stopwatch.StartNew();
                List<string> extra = new List<string>();
                if (p.UseProxy && p.Scheme == "http" && s.Proxy.Authorization() != null)
                    extra.Add("Proxy-Authorization: " + s.Proxy.Authorization());
                bool readBody = GetBool(p.Ep, "read_body", false);
                HttpAnswer answer;
                byte[] body;
                try
                {
                    answer = Exchange(conn.Stream, "GET", target, Authority(p.Wire, p.Port, p.Scheme), extra, readBody, out body);
                }
                catch (Exception exc)
                {
                    if (IsTimeout(exc))
                        throw new ProbeException("http", "http.timeout", String.Format(
                            "{0} accepted the connection but sent no HTTP answer within {1}", p.Host, Seconds(s.Timeout)));
                    if (IsNetworkError(exc))
                        throw new ProbeException("http", "http.closed", String.Format(
                            "{0} closed the connection before answering HTTP: {1}", p.Host, Why(exc)));
                    throw;
                }
                latency["http"] = Ms(watch);
                if (answer.Status < 0 && answer.Received == 0)
                    throw new ProbeException("http", "http.closed", String.Format(
                        "{0} closed the connection before answering HTTP", p.Host));
                if (answer.Status < 0)
                    throw new ProbeException("http", "http.not_http", String.Format(CultureInfo.InvariantCulture,
                        "{0} did not answer with HTTP (is something else listening on port {1}?)", p.Host, p.Port));
                result["http_status"] = answer.Status;
                if (p.UseProxy && p.Scheme == "http" && answer.Status == 407)
                {
                    p.Stage = "proxy";
                    throw new ProbeException("proxy", "proxy.auth_required", String.Format(
                        "the proxy {0} answered 407 to GET {1}: it requires authentication (the Arc agent does not support "
                        + "authenticating proxies)",
                        s.Proxy.Display, target));
                }
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
                if (expected.Length > 0 && text.Contains(expected.ToLowerInvariant()))
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

        static List<string> Resolve(string host, string wire, Probe p)
        {
            Settings s = p.S;
            string mapped;
            if (s.Resolve.TryGetValue(host, out mapped))
                return new List<string>(new string[] { mapped });
            IPAddress literal;
            if (IPAddress.TryParse(host, out literal))
                return new List<string>(new string[] { literal.ToString() });
            // The lookup cannot be cancelled; it is left to finish on its own while the endpoint moves on.
            IAsyncResult pending = Dns.BeginGetHostAddresses(wire, null, null);
            if (!pending.AsyncWaitHandle.WaitOne(p.Deadline.WaitMs))
            {
                if (p.Deadline.Expired)
                    throw p.Deadline.Exceeded("dns", host);
                throw new ProbeException("dns", "dns.timeout", String.Format(
                    "DNS lookup of {0} timed out after {1}: the DNS servers did not answer", host, Seconds(s.Timeout)));
            }
            IPAddress[] found;
            try
            {
                found = Dns.EndGetHostAddresses(pending);
            }
            catch (SocketException exc)
            {
                if (exc.SocketErrorCode == SocketError.HostNotFound)
                    throw new ProbeException("dns", "dns.nxdomain", String.Format(
                        "DNS lookup of {0} failed: the name does not exist for this host's DNS servers (check the resolvers, "
                        + "or the private DNS zone when using private link)",
                        host));
                if (exc.SocketErrorCode == SocketError.NoData)
                    throw new ProbeException("dns", "dns.no_address", String.Format(
                        "DNS lookup of {0} found the name but no address for it", host));
                if (exc.SocketErrorCode == SocketError.TryAgain)
                    throw new ProbeException("dns", "dns.timeout", String.Format(
                        "DNS lookup of {0} failed: the DNS servers did not answer in time ({1})", host, Why(exc)));
                throw new ProbeException("dns", "dns.failed", String.Format("DNS lookup of {0} failed: {1}", host, Why(exc)));
            }
            List<string> addresses = new List<string>();
            foreach (IPAddress ip in found)
            {
                string text = ip.ToString();
                if (!addresses.Contains(text))
                    addresses.Add(text);
            }
            if (addresses.Count == 0)
                throw new ProbeException("dns", "dns.no_address", String.Format("DNS lookup of {0} returned no addresses", host));
            return addresses;
        }

        // ------------------------------------------------------------ TCP

        static Socket Connect(string address, int port, Probe p, string what)
        {
            Settings s = p.S;
            IPAddress ip = IPAddress.Parse(address);
            Socket sock;
            try
            {
                sock = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException exc)
            {
                throw LocalLimit(exc, what) ?? new ProbeException("tcp", "tcp.failed", String.Format(
                    "TCP connect to {0} failed: {1}", what, Why(exc)));
            }
            p.Deadline.Watch(sock);
            IAsyncResult pending;
            try
            {
                pending = sock.BeginConnect(new IPEndPoint(ip, port), null, null);
            }
            catch (SocketException exc)
            {
                sock.Close();
                throw LocalLimit(exc, what) ?? new ProbeException("tcp", "tcp.failed", String.Format(
                    "TCP connect to {0} failed: {1}", what, Why(exc)));
            }
            if (!pending.AsyncWaitHandle.WaitOne(p.Deadline.WaitMs))
            {
                sock.Close();
                if (p.Deadline.Expired)
                    throw p.Deadline.Exceeded("tcp", what);
                throw new ProbeException("tcp", "tcp.timeout", String.Format(
                    "TCP connect to {0} timed out after {1}: a firewall is probably dropping it", what, Seconds(s.Timeout)));
            }
            try
            {
                sock.EndConnect(pending);
            }
            catch (SocketException exc)
            {
                sock.Close();
                if (exc.SocketErrorCode == SocketError.ConnectionRefused)
                    throw new ProbeException("tcp", "tcp.refused", String.Format(
                        "TCP connect to {0} was refused: nothing listens there, or a firewall rejects the connection",
                        what));
                if (exc.SocketErrorCode == SocketError.NetworkUnreachable || exc.SocketErrorCode == SocketError.HostUnreachable)
                    throw new ProbeException("tcp", "tcp.unreachable", String.Format(
                        "TCP connect to {0} failed: no route to the host ({1})", what, Why(exc)));
                if (exc.SocketErrorCode == SocketError.TimedOut)
                    throw new ProbeException("tcp", "tcp.timeout", String.Format(
                        "TCP connect to {0} timed out after {1}: a firewall is probably dropping it", what, Seconds(s.Timeout)));
                throw LocalLimit(exc, what) ?? new ProbeException("tcp", "tcp.failed", String.Format(
                    "TCP connect to {0} failed: {1}", what, Why(exc)));
            }
            sock.NoDelay = true;
            sock.ReceiveTimeout = p.Deadline.SocketWaitMs;
            sock.SendTimeout = p.Deadline.SocketWaitMs;
            return sock;
        }

        /// <summary>tcp.local_limit when this host could not open another socket (EMFILE, ENOBUFS), else null.</summary>
        static ProbeException LocalLimit(SocketException exc, string what)
        {
            if (exc.SocketErrorCode != SocketError.TooManyOpenSockets && exc.SocketErrorCode != SocketError.NoBufferSpaceAvailable)
                return null;
            return new ProbeException("tcp", "tcp.local_limit", String.Format(
                "could not open a socket to {0}: {1} (lower workers or raise the open files limit)", what, Why(exc)));
        }

        /// <summary>Try each address; a timeout stops the walk so one endpoint never costs more than one timeout.</summary>
        static Socket ConnectAny(List<string> addresses, int port, Probe p)
        {
            ProbeException last = null;
            foreach (string address in addresses)
            {
                try
                {
                    return Connect(address, port, p, Endpoint(address, port));
                }
                catch (ProbeException exc)
                {
                    last = exc;
                    if (exc.Reason == "tcp.timeout" || exc.Reason == "deadline.exceeded" || exc.Reason == "tcp.local_limit")
                        break;
                }
            }
            if (last == null)
                throw new ProbeException("tcp", "tcp.failed", "no address to connect to");
            throw last;
        }

        /// <summary>TCP (and CONNECT through the proxy) to the endpoint.</summary>
        static Conn Open(Probe p, string scheme)
        {
            Settings s = p.S;
            Conn conn = new Conn();
            Stopwatch watch = Stopwatch.StartNew();
            if (p.UseProxy)
            {
                Proxy proxy = s.Proxy;
                try
                {
                    List<string> proxyAddresses = Resolve(proxy.Host, WireHost(proxy.Host), p);
                    conn.Socket = ConnectAny(proxyAddresses, proxy.Port, p);
                }
                catch (ProbeException exc)
                {
                    if (exc.Reason == "deadline.exceeded")
                        throw p.Deadline.Exceeded("proxy", p.Host);
                    if (exc.Reason == "tcp.local_limit")
                        throw new ProbeException("proxy", "tcp.local_limit", String.Format(
                            "could not reach the proxy {0}: {1}", proxy.Display, exc.Message));
                    throw new ProbeException("proxy", "proxy.unreachable", String.Format(
                        "could not reach the proxy {0}: {1}", proxy.Display, exc.Message));
                }
                conn.Stream = new NetworkStream(conn.Socket, true);
                conn.Latency["tcp"] = Ms(watch);
                if (scheme == "https")
                {
                    watch = Stopwatch.StartNew();
                    p.Deadline.BeginStage();
                    try
                    {
                        Tunnel(conn.Stream, proxy, p);
                    }
                    catch (Exception)
                    {
                        conn.Close();
                        throw;
                    }
                    conn.Latency["proxy"] = Ms(watch);
                }
                return conn;
            }
            conn.Socket = ConnectAny(p.Addresses, p.Port, p);
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
            answer.Received = data.Length;
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
            // A head cut short (no blank line) is no answer: the server stopped or was cut off mid-way.
            if (end < 0 || fields.Length < 2 || !fields[0].StartsWith("HTTP/") || fields[1].Length != 3
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
                    || size <= 0)
                    break;
                pos = eol + 2;
                int take = Math.Min(size, body.Length - pos);
                output.Write(body, pos, take);
                pos += size + 2;
            }
            return output.ToArray();
        }

        /// <summary>host[:port] as it goes into Host headers and URLs (_probe.authority): IPv6 literals in
        /// brackets, the scheme's default port left out.</summary>
        public static string Authority(string wire, int port, string scheme)
        {
            int standard = scheme == "http" ? 80 : 443;
            return port == standard ? UrlHost(wire) : String.Format(CultureInfo.InvariantCulture, "{0}:{1}", UrlHost(wire), port);
        }

        static HttpAnswer Exchange(Stream stream, string method, string target, string authority, List<string> extra,
            bool readBody, out byte[] body)
        {
            List<string> request = new List<string>();
            request.Add(String.Format("{0} {1} HTTP/1.1", method, WirePath(target)));
            request.Add("Host: " + authority);
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
                    int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, ReadLimit - all.Length));
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

        static void Tunnel(Stream stream, Proxy proxy, Probe p)
        {
            string auth = proxy.Authorization();
            string target = String.Format(CultureInfo.InvariantCulture, "{0}:{1}", UrlHost(p.Wire), p.Port);
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
                    throw new ProbeException("proxy", "proxy.timeout", String.Format(
                        "the proxy {0} did not answer CONNECT {1} within {2}", proxy.Display, target, Seconds(p.S.Timeout)));
                if (IsNetworkError(exc))
                    throw new ProbeException("proxy", "proxy.closed", String.Format(
                        "the proxy {0} dropped the connection during CONNECT {1}: {2}", proxy.Display, target, Why(exc)));
                throw;
            }
            if (answer.Status < 0 && answer.Received == 0)
                throw new ProbeException("proxy", "proxy.closed", String.Format(
                    "the proxy {0} closed the connection without answering CONNECT {1}", proxy.Display, target));
            if (answer.Status < 0)
                throw new ProbeException("proxy", "proxy.not_http", String.Format(
                    "the proxy {0} did not answer CONNECT {1} with HTTP: is it really an HTTP proxy?", proxy.Display, target));
            if (answer.Status == 407)
                throw new ProbeException("proxy", "proxy.auth_required", String.Format(
                    "the proxy {0} answered 407 to CONNECT {1}: {2} (note that the Arc agent does not support "
                    + "authenticating proxies)",
                    proxy.Display, target, auth != null ? "the credentials were rejected" : "it requires authentication"));
            if (answer.Status / 100 != 2)
                throw new ProbeException("proxy", "proxy.refused", String.Format(CultureInfo.InvariantCulture,
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

        static SslStream Handshake(Conn conn, Probe p, CertCapture capture)
        {
            Settings s = p.S;
            if (s.MinTlsVersion == "1.3" && !s.Tls13Available)
                throw new ProbeException("tls", "tls.local_policy", String.Format(
                    "TLS 1.3 was asked for {0} (min_tls_version=1.3), but this host cannot offer it: TLS 1.3 needs "
                    + "Windows Server 2022 or later",
                    p.Host));
            conn.First = new FirstBytes(conn.Stream);
            SslStream tls = new SslStream(conn.First, false, new RemoteCertificateValidationCallback(capture.Validate));
            tls.ReadTimeout = p.Deadline.SocketWaitMs;
            tls.WriteTimeout = p.Deadline.SocketWaitMs;
            try
            {
                tls.AuthenticateAsClient(p.Wire, null, Protocols(s), false);
                conn.Stream = tls;
                return tls;
            }
            catch (Exception exc)
            {
                tls.Dispose();
                conn.Close();
                if (p.Deadline.Expired)
                    throw p.Deadline.Exceeded("tls", p.Host);
                if (p.Deadline.StageExpired)
                    throw p.Deadline.StageTimedOut("tls", p.Host);
                if (IsTimeout(exc))
                    throw new ProbeException("tls", "tls.timeout", String.Format(
                        "TLS handshake with {0} timed out after {1}: the connection opened but nothing answered the TLS hello "
                        + "(a firewall or proxy filtering TLS?)",
                        p.Host, Seconds(s.Timeout)));
                if (!(exc is AuthenticationException || IsNetworkError(exc) || exc is System.ComponentModel.Win32Exception))
                    throw;
                ProbeException failure = TlsFailure(exc, capture, conn.First, p);
                failure.Final = true;
                throw failure;
            }
        }

        static ProbeException TlsFailure(Exception exc, CertCapture capture, FirstBytes first, Probe p)
        {
            Settings s = p.S;
            if (capture.Cert != null && capture.Errors != SslPolicyErrors.None)
                return CertFailure(capture, p.Host, s);
            string text = Why(exc);
            string lower = text.ToLowerInvariant();
            byte[] seen = first.Seen;
            if (lower.Contains("function requested is not supported") || lower.Contains("no protocols available"))
                return new ProbeException("tls", "tls.local_policy", String.Format(
                    "this host's SCHANNEL configuration does not allow TLS {0} or later for clients (check the Enabled "
                    + "and DisabledByDefault values under "
                    + "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client; "
                    + "the arcready.network.arc_tls role sets them): {1}",
                    s.MinTlsVersion, text));
            // What the server sent first says what it is: 0x16 a TLS handshake record, 0x15 a TLS alert, anything
            // else is not TLS (most often a plain HTTP answer).
            if (seen.Length > 0 && seen[0] != 0x16 && seen[0] != 0x15)
                return new ProbeException("tls", "tls.not_tls", String.Format(CultureInfo.InvariantCulture,
                    "{0} answered the TLS hello with something else, most likely plain HTTP: port {1} does not speak TLS "
                        + "here (a proxy or load balancer in the way?)",
                    p.Host, p.Port));
            if (seen.Length == 0)
                return new ProbeException("tls", "tls.reset", String.Format(
                    "the connection to {0} was closed during the TLS handshake ({1}): a firewall or proxy is probably "
                    + "blocking TLS to this name",
                    p.Host, text));
            string offered = null;
            if (seen[0] == 0x15 && seen.Length >= 7)
            {
                // A fatal alert: protocol_version (70) names the version the server speaks in its record header.
                if (seen[6] == 70)
                    offered = RecordVersion(seen[1], seen[2]) ?? "an older TLS version";
                if (offered == null || offered == "an older TLS version")
                    offered = ServerVersion(p) ?? offered;
                if (offered == null && (seen[6] == 40 || seen[6] == 71))
                    return new ProbeException("tls", "tls.no_common_cipher", String.Format(
                        "TLS handshake with {0} failed: no common protocol version or cipher at TLS {1} or later ({2})",
                        p.Host, s.MinTlsVersion, text));
            }
            else
            {
                offered = ServerVersion(p);
            }
            if (offered == "an older TLS version" || OlderThanMinimum(offered, s.MinTlsVersion))
                return new ProbeException("tls", "tls.protocol_too_old", String.Format("{0} only offers {1}; Azure Arc needs TLS {2} or later",
                    p.Host, VersionName(offered), s.MinTlsVersion));
            return new ProbeException("tls", "tls.failed", String.Format(
                "TLS handshake with {0} failed at TLS {1} or later: {2}", p.Host, s.MinTlsVersion, text));
        }

        static ProbeException CertFailure(CertCapture capture, string host, Settings s)
        {
            CertInfo cert = CertInfo.From(capture.Cert);
            ProbeException failure;
            bool expired = (capture.ChainFlags & X509ChainStatusFlags.NotTimeValid) != 0 && cert.NotAfterUtc < DateTime.UtcNow;
            if (expired)
            {
                failure = new ProbeException("tls", "tls.expired", String.Format("the certificate of {0} expired on {1}",
                    host, cert.NotAfter));
            }
            else if ((capture.Errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                string names = cert.DnsNames.Count > 0 ? String.Join(", ", cert.DnsNames.ToArray()) : cert.Subject;
                failure = new ProbeException("tls", "tls.name_mismatch", String.Format(
                    "the certificate presented for {0} is for other names ({1}): a proxy or DNS entry is sending this "
                    + "name to the wrong server",
                    host, names.Length > 0 ? names : "unknown"));
            }
            else if (cert.Issuer.Length > 0 && !IssuerExpected(cert, s))
            {
                failure = new ProbeException("tls_inspection", "tls_inspection.untrusted", String.Format(
                    "the certificate of {0} is issued by '{1}', which this host does not trust and which is not a "
                    + "Microsoft CA: {2}",
                    host, cert.Issuer, InspectionHint));
                failure.Inspection = true;
            }
            else
            {
                string why = capture.ChainFlags != X509ChainStatusFlags.NoError ? capture.ChainFlags.ToString() : capture.Errors.ToString();
                failure = new ProbeException("tls", "tls.untrusted", String.Format("the certificate of {0} is not trusted by this host ({1}{2})",
                    host, why, cert.Issuer.Length > 0 ? ", issuer '" + cert.Issuer + "'" : ""));
            }
            failure.Cert = cert;
            return failure;
        }

        /// <summary>Which TLS version the server picks when old ones are allowed: explains a failed handshake.
        /// Runs inside the endpoint's budget; null when it cannot tell.</summary>
        static string ServerVersion(Probe p)
        {
            if (p.Deadline.Expired)
                return null;
            Conn conn;
            try
            {
                conn = Open(p, "https");
            }
            catch (ProbeException)
            {
                return null;
            }
            CertCapture any = new CertCapture(null, true, null);
            SslStream tls = new SslStream(conn.Stream, false, new RemoteCertificateValidationCallback(any.Validate));
            tls.ReadTimeout = p.Deadline.SocketWaitMs;
            tls.WriteTimeout = p.Deadline.SocketWaitMs;
            try
            {
                tls.AuthenticateAsClient(p.Wire, null, Tls10 | Tls11 | Tls12, false);
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

        /// <summary>Probe every endpoint with at most `workers` threads (capped at MaxWorkers); results keep the
        /// order of `endpoints`. Each endpoint's budget bounds its thread, so the call returns within
        /// ceil(count / workers) budgets.</summary>
        public static List<object> ProbeAll(IList endpoints, Settings s, int workers)
        {
            int count = endpoints.Count;
            Dictionary<string, object>[] results = new Dictionary<string, object>[count];
            int next = -1;
            List<Thread> threads = new List<Thread>();
            int size = Math.Max(1, Math.Min(Math.Min(workers, MaxWorkers), count));
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
    }
}
