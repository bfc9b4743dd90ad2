#!powershell

# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -CSharpUtil ansible_collections.arcready.network.plugins.module_utils.ArcProbe
#AnsibleRequires -PowerShell Ansible.ModuleUtils.CommandUtil

# The Windows implementation of arcready.network.probe: PowerShell glue only. Its documentation is probe.py's
# DOCUMENTATION, and its options ($spec below) are kept identical to probe.py's argument_spec:
# tests/unit/windows/test_probe_ps1_spec.py parses both and compares them.
#
# The controller does the rest. The action plugin (plugins/action/probe.py) expands the catalogue, so this module
# always receives an explicit endpoints list, the normalised region and the defaults (expected_issuers); after the
# module returns it computes the summary, the table, the warnings and the fail_on verdict from the endpoint results
# of either engine. The network work is the C# engine in plugins/module_utils/ArcProbe.cs, which returns results
# that follow plugins/module_utils/_contract.py. This script reads options, finds the proxy the agent would use,
# calls the engine and returns endpoints, contract and the proxy in use.

$spec = @{
    options = @{
        cloud = @{ type = 'str'; default = 'AzureCloud'; choices = @('AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud') }
        region = @{ type = 'str' }
        edition = @{ type = 'str'; default = '2026-06'; choices = @('2026-06', '2024-03') }
        scenarios = @{ type = 'list'; elements = 'str'; default = @(); choices = @('ssh', 'wac', 'sql', 'esu', 'telemetry', 'licensing', 'sql_entra') }
        esu_only = @{ type = 'bool'; default = $false }
        auto_upgrade = @{ type = 'bool'; default = $false }
        key_vault = @{ type = 'str'; no_log = $false }
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
                discover = @{ type = 'bool'; default = $false }
            }
        }
        wildcard_hosts = @{ type = 'dict'; default = @{} }
        expand_service_bus = @{ type = 'bool'; default = $false }
        discover_his = @{ type = 'bool'; default = $true }
        timeout = @{ type = 'float'; default = 5 }
        deadline = @{ type = 'float' }
        workers = @{ type = 'int'; default = 20 }
        proxy_url = @{ type = 'str'; default = 'auto' }
        proxy_username = @{ type = 'str' }
        proxy_password = @{ type = 'str'; no_log = $true }
        proxy_bypass = @{ type = 'list'; elements = 'str'; choices = @('AAD', 'ARM', 'AMA', 'Arc', 'ArcData') }
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
    <# The agent's proxy.url and proxy.bypass, when azcmagent is installed: @{ url = ...; bypass = @(...) }.
    Services are the proxy.bypass names to look for: the choices of the proxy_bypass option. #>
    param([string[]]$Services)
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
    $bypass = @(foreach ($name in $Services) {
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
        $proxy = [ArcProbe.Proxy]::Parse($wanted, $user, $password, 'option')
        return @{ proxy = $proxy; source = 'option'; bypass = @($bypass); no_proxy = '' }
    }
    $agent = Get-AgentProxy -Services $spec.options.proxy_bypass.choices
    if ($agent -and $agent.url) {
        $proxy = [ArcProbe.Proxy]::Parse($agent.url, $user, $password, 'agent', "the agent's proxy.url")
        $chosen = if ($null -eq $bypass) { $agent.bypass } else { $bypass }
        return @{ proxy = $proxy; source = 'agent'; bypass = @($chosen); no_proxy = '' }
    }
    $envUrl = Get-EnvironmentValue -Name 'HTTPS_PROXY'
    if ($envUrl) {
        $proxy = [ArcProbe.Proxy]::Parse($envUrl, $user, $password, 'environment', 'HTTPS_PROXY')
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
    $request = [ArcProbe.Engine]::Explicit($gns[0])
    $request['path'] = "/urls/allowlist?api-version=2020-01-01&location=$Region"
    $request['read_body'] = $true
    $answer = [ArcProbe.Engine]::ProbeEndpoint($request, $Settings)
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
    $cap = [ArcProbe.Engine]::MaxAllowlistHosts
    if ($hosts.Count -gt $cap) {
        $row['reason'] = "the guest notification allowlist named $($hosts.Count) hosts, more than the $cap probed; $($row['reason'])"
        $hosts = $hosts.GetRange(0, $cap)
    }
    $out = New-Object -TypeName System.Collections.ArrayList
    foreach ($ep in $Endpoints) {
        if ([Object]::ReferenceEquals($ep, $row)) {
            foreach ($name in $hosts) {
                $copy = [ArcProbe.Engine]::Explicit($row)
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

Function Invoke-HisDiscovery {
    <# Replace the regional HIS row (marked 'discover' by the action plugin) with the host the global HIS host's
       discovery answer names, as plugins/module_utils/_his_probe.py does: same settings, one deadline; the
       catalogue's host is the fallback. Each replaced row carries host_source, catalogue_host and discovery. #>
    param($Endpoints, $Settings, [string]$Cloud, [string]$Region)
    $rows = @($Endpoints | Where-Object { $_['discover'] })
    if ($rows.Count -eq 0) {
        return , $Endpoints
    }
    $suffix = @{ AzureCloud = 'com'; AzureUSGovernment = 'us'; AzureChinaCloud = 'cn' }[$Cloud]
    $gbl = "gbl.his.arc.azure.$suffix"
    $base = @($Endpoints | Where-Object { $_['probeable'] -and $_['host'] -eq $gbl })
    $request = if ($base.Count -gt 0) { [ArcProbe.Engine]::Explicit($base[0]) } else {
        [ArcProbe.Engine]::Explicit(@{ host = $gbl; port = 443; scheme = 'https'; bypass = @('Arc') }) }
    $request['path'] = "/discovery?location=$Region&api-version=2.1"
    $request['url'] = $null
    $request = [ArcProbe.Engine]::Explicit($request)
    $request['read_body'] = $true
    $answer = [ArcProbe.Engine]::ProbeEndpoint($request, $Settings)
    $found = $null
    if (-not $answer['ok']) {
        $said = "the discovery request $($request['url']) failed ($($answer['error']))"
    }
    elseif ($answer['http_status'] -ne 200) {
        $said = "the discovery request $($request['url']) answered HTTP $($answer['http_status'])"
    }
    else {
        $pattern = '(?i)(?<![a-z0-9.-])(?:https://)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.his\.arc\.azure\.' + $suffix + '(?![a-z0-9.-])'
        foreach ($m in [regex]::Matches("$($answer['body'])", $pattern)) {
            if ($m.Groups[1].Value.ToLowerInvariant() -ne 'gbl') {
                $found = "$($m.Groups[1].Value.ToLowerInvariant()).his.arc.azure.$suffix"
                break
            }
        }
        $shown = "$($answer['body'])"
        if ($shown.Length -gt 120) {
            $shown = $shown.Substring(0, 117) + '...'
        }
        $said = if ($found) { "discovered by $($request['url'])" } else {
            "the discovery answer names no regional his.arc.azure.$suffix host: $shown ($($request['url']))" }
    }
    $out = New-Object -TypeName System.Collections.ArrayList
    foreach ($ep in $Endpoints) {
        if (-not $ep['discover']) {
            $null = $out.Add($ep)
            continue
        }
        $copy = [ArcProbe.Engine]::Explicit($ep)
        $mapped = if ($ep['probeable']) { $ep['host'] } else { $null }
        $copy['catalogue_host'] = $mapped
        $copy['discovery'] = $said
        $chosen = if ($found) { $found } else { $mapped }
        if ($chosen) {
            $copy['host'] = $chosen
            $copy['url'] = "https://$chosen"
            $copy['probeable'] = $true
            $copy['reason'] = ''
            $copy['host_source'] = if ($found) { 'discovered' } else { 'catalogue' }
        }
        else {
            $copy['host_source'] = 'unknown'
            $copy['reason'] = "discovery gave no regional host: $said; $($ep['reason'])"
        }
        $null = $out.Add($copy)
    }
    if ($found -and $mapped -and $found -ne $mapped) {
        $module.Warn("regional HIS host: discovery returned $found but the catalogue's shard map says $mapped; the discovered host was probed (the map may be out of date)")
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
        $copy.proxy_url = [ArcProbe.Proxy]::Redact([string]$copy.proxy_url)
    }
    if ($copy.proxy_password) {
        $copy.proxy_password = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    }
    return @{ module_args = $copy }
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params

# The same bounds and messages as the Python module (the caps of _contract.py, kept by the engine).
Function Test-Seconds {
    param([string]$Option, $Value, [double]$High)
    if ([double]::IsNaN($Value) -or [double]::IsInfinity($Value) -or $Value -le 0 -or $Value -gt $High) {
        $module.FailJson("${Option}: $Value is out of range; give a number of seconds above 0 and at most $High")
    }
}
Test-Seconds -Option 'timeout' -Value $p.timeout -High ([ArcProbe.Engine]::MaxTimeout)
if ($null -ne $p.deadline) {
    Test-Seconds -Option 'deadline' -Value $p.deadline -High ([ArcProbe.Engine]::MaxDeadline)
}
if ($p.workers -lt 1 -or $p.workers -gt [ArcProbe.Engine]::MaxWorkers) {
    $module.FailJson("workers: $($p.workers) is out of range; give a whole number from 1 to $([ArcProbe.Engine]::MaxWorkers)")
}
if ($p.endpoints -and @($p.endpoints).Count -gt [ArcProbe.Engine]::MaxEndpoints) {
    $module.FailJson("endpoints: $(@($p.endpoints).Count) endpoints is more than $([ArcProbe.Engine]::MaxEndpoints); split the list")
}
if ($p.check_tls_inspection -and -not $p.expected_issuers) {
    $module.FailJson(("expected_issuers is empty: the arcready.network.probe action plugin sends the default issuers; " +
            "call the module by that name, give expected_issuers, or set check_tls_inspection=false"))
}
foreach ($issuer in @($p.expected_issuers)) {
    if ($null -ne $issuer -and "$issuer".Trim() -eq '') {
        $module.FailJson("expected_issuers holds an empty string, which every issuer would match; remove it")
    }
}

# A password inside proxy_url is not a no_log option: keep it out of every output Ansible.Basic writes.
$module.Result.invocation = Get-SafeInvocation -Params $p
$noLogField = $module.GetType().GetField('noLogValues', [Reflection.BindingFlags]'NonPublic, Instance')
if ($noLogField) {
    foreach ($secret in [ArcProbe.Proxy]::UrlSecrets([string]$p.proxy_url)) {
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
    # The engine's parse errors start with the option name and never hold the password.
    $module.FailJson("$(Get-InnerMessage -ErrorRecord $_)")
}
$proxy = $choice.proxy
if ($proxy -and $proxy.Password -and $noLogField) {
    $null = $noLogField.GetValue($module).Add($proxy.Password)
}
# Warnings about the proxy (credentials, not http://) are the controller's (plugin_utils/_verdict.py).

if (-not $p.endpoints) {
    $module.FailJson(("no endpoints to probe: the catalogue is expanded on the controller by the arcready.network.probe " +
            "action plugin, which fills endpoints from cloud and region; call the module by that name"))
}
$endpoints = New-Object -TypeName System.Collections.ArrayList
foreach ($item in $p.endpoints) {
    $null = $endpoints.Add([ArcProbe.Engine]::Explicit($item))
}

$settings = [ArcProbe.Settings]::new()
$settings.Timeout = [double]$p.timeout
if ($null -ne $p.deadline) {
    $settings.Budget = [double]$p.deadline
}
$settings.MinTlsVersion = $p.min_tls_version
$settings.PrivateLink = [bool]$p.private_link
$settings.CheckInspection = [bool]$p.check_tls_inspection
$settings.Proxy = $proxy
$settings.SetNoProxy($choice.no_proxy)
foreach ($name in @($choice.bypass)) {
    if ($name) { $settings.Bypass.Add([string]$name) }
}
foreach ($issuer in @($p.expected_issuers)) {
    if ($null -ne $issuer) { $settings.ExpectedIssuers.Add([string]$issuer) }
}
foreach ($key in @($p.resolve.Keys)) {
    $address = $null
    if (-not [System.Net.IPAddress]::TryParse([string]$p.resolve[$key], [ref]$address)) {
        $module.FailJson("resolve: the value for '$key' is '$($p.resolve[$key])', which is not an IP address; map each host name to an address")
    }
    $settings.Resolve[[string]$key] = $address.ToString()
}
# TLS 1.3 in SChannel: Windows Server 2022 (build 20348) and later, on a runtime that knows the protocol.
$settings.Tls13Available = ([Environment]::OSVersion.Version.Build -ge 20348) -and
[Enum]::IsDefined([System.Security.Authentication.SslProtocols], 12288)
if ($p.ca_path) {
    try {
        $settings.LoadCaFile($p.ca_path)
    }
    catch {
        $module.FailJson("$(Get-InnerMessage -ErrorRecord $_)")
    }
}

# The action plugin sends the region already normalised to the catalogue's short name.
if ($p.expand_service_bus -and $p.region) {
    $endpoints = Expand-ServiceBus -Endpoints $endpoints -Settings $settings -Region $p.region
}
if ($p.discover_his -and $p.region) {
    $endpoints = Invoke-HisDiscovery -Endpoints $endpoints -Settings $settings -Cloud $p.cloud -Region $p.region
}

$module.Result.changed = $false
$module.Result.contract = [ArcProbe.Engine]::ContractVersion
$module.Result.deadline = $settings.Deadline
$results = [ArcProbe.Engine]::ProbeAll($endpoints, $settings, [int]$p.workers)
for ($i = 0; $i -lt $results.Count; $i++) {
    foreach ($key in @('host_source', 'catalogue_host', 'discovery')) {
        if ($endpoints[$i].ContainsKey($key)) {
            $results[$i][$key] = $endpoints[$i][$key]
        }
    }
}
$module.Result.endpoints = $results
$module.Result.proxy = if ($proxy) { $proxy.Display } else { $null }
$module.Result.proxy_source = $choice.source
# Sorted as Python sorts: ordinal, so ARM comes before Arc.
$bypassNames = [string[]]@($choice.bypass | Where-Object { $_ })
[Array]::Sort($bypassNames, [StringComparer]::Ordinal)
$module.Result.proxy_bypass = $bypassNames
$module.ExitJson()
