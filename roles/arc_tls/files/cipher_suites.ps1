# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# arc_tls on Windows: are the cipher suites Microsoft lists for the Arc agent (1.56+) enabled, in what order, and,
# with -Enforce, enable the missing ones. Run by ansible.windows.win_powershell (tasks/windows.yml), which passes
# -Required (the suite names, Microsoft's order) and -Enforce, and honours check mode (-WhatIf) and $Ansible.Diff.
#
# Where the suites are configured (Microsoft's troubleshoot-networking and ADMX CipherSuiteOrder docs):
#   - Windows Server 2016 and later have the TLS module: Get-TlsCipherSuite shows the effective list,
#     Enable-TlsCipherSuite appends a suite (no restart).
#   - A "SSL Cipher Suite Order" policy, HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002
#     value Functions (a comma list, at most 1023 characters; read as REG_SZ or REG_MULTI_SZ), overrides the local
#     list. When it exists, or the TLS module does not, the missing suites are added to that value (takes effect
#     at the next restart); its base is the local list (Control\Cryptography\Configuration\Local\SSL\00010002).
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory)][string[]]$Required,
    [bool]$Enforce = $false
)

$ErrorActionPreference = 'Stop'
$policyKey = 'HKLM:\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002'
$localKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002'

function Get-SuiteList([string]$Key) {
    $value = (Get-ItemProperty -LiteralPath $Key -Name Functions -ErrorAction SilentlyContinue).Functions
    if ($null -eq $value) { return $null }
    # REG_MULTI_SZ gives an array, REG_SZ a comma list.
    @($value | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
}

$hasCmdlets = $null -ne (Get-Command -Name Get-TlsCipherSuite -ErrorAction SilentlyContinue)
$policy = Get-SuiteList $policyKey
if ($null -ne $policy) {
    $effective = $policy
    $source = 'policy'
} elseif ($hasCmdlets) {
    $effective = @(Get-TlsCipherSuite | ForEach-Object { $_.Name })
    $source = 'Get-TlsCipherSuite'
} else {
    $effective = @(Get-SuiteList $localKey)
    $source = 'local'
}
$missing = @($Required | Where-Object { $effective -notcontains $_ })
$after = @($effective)
$method = $null
if ($Enforce -and $missing.Count -gt 0) {
    if ($null -eq $policy -and $hasCmdlets) {
        $method = 'Enable-TlsCipherSuite'
        foreach ($suite in $missing) {
            if ($PSCmdlet.ShouldProcess($suite, 'Enable-TlsCipherSuite')) { Enable-TlsCipherSuite -Name $suite }
        }
    } else {
        $method = 'policy Functions'
        $base = if ($null -ne $policy) { $policy } else { @(Get-SuiteList $localKey) }
        $list = (@($base) + $missing) -join ','
        if ($list.Length -gt 1023) {
            throw "the cipher suite list would be $($list.Length) characters, more than the 1023 the SSL Cipher " +
                  "Suite Order policy takes: shorten $policyKey\Functions by hand"
        }
        if ($PSCmdlet.ShouldProcess("$policyKey\Functions", 'Set')) {
            if (-not (Test-Path -LiteralPath $policyKey)) { New-Item -Path $policyKey -Force | Out-Null }
            Set-ItemProperty -LiteralPath $policyKey -Name Functions -Value $list -Type String
        }
    }
    $after = @($effective) + $missing
    $Ansible.Changed = $true
}
$Ansible.Diff = @{ before = ($effective -join "`n") + "`n"; after = ($after -join "`n") + "`n" }
$Ansible.Result = @{
    required = @($Required)
    enabled = @($Required | Where-Object { $after -contains $_ })
    missing = @($Required | Where-Object { $after -notcontains $_ })
    order = @($after)
    source = $source
    method = $method
    cmdlets = $hasCmdlets
    restart_required = ($method -eq 'policy Functions')
}
