# Start Workbench from this checkout on Windows, passing every argument on:
#   powershell -ExecutionPolicy Bypass -File scripts\run.ps1 --smoke-test      (or scripts\run.bat)
# The first run installs it into .venv, which needs the package index; so does the first run after
# pyproject.toml changed. Every other run starts the installed program directly, without the network.
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

$RequiredMajor = 3; $RequiredMinor = 11  # keep in step with requires-python in pyproject.toml
$Venv = ".venv"
$VenvPython = Join-Path $Venv "Scripts\python.exe"
$Stamp = Join-Path $Venv ".workbench-installed"

function Say($Text) { [Console]::Error.WriteLine("workbench: $Text") }

# "3.11" for an interpreter (with its arguments, e.g. "py -3"), $null when it does not run.
function Get-PyVersion([string[]]$Command) {
    try {
        $exe, $rest = $Command
        # No double quotes in the code: Windows PowerShell 5.1 drops them from a native command's arguments.
        $out = & $exe @rest -c 'import sys; print(*sys.version_info[:2], sep=chr(46))' 2>$null
        if ($LASTEXITCODE -eq 0) { return "$out".Trim() }
    } catch {}
    return $null
}

function Test-VersionOk([string]$Version) {
    if ($Version -notmatch '^(\d+)\.(\d+)$') { return $false }
    $major = [int]$Matches[1]; $minor = [int]$Matches[2]
    return ($major -gt $RequiredMajor) -or ($major -eq $RequiredMajor -and $minor -ge $RequiredMinor)
}

function Get-InstallKey {
    & $VenvPython -c 'import hashlib, sys; print(hashlib.sha256(open(''pyproject.toml'', ''rb'').read()).hexdigest(), sys.version.split()[0])'
}

function Start-Workbench {
    & (Join-Path $Venv "Scripts\workbench-cli.exe") @args
    exit $LASTEXITCODE
}

# 1. Installed and up to date: start without touching the network.
$Stale = $null
if (Test-Path $VenvPython) {
    $v = Get-PyVersion @($VenvPython)
    if (-not (Test-VersionOk $v)) { $Stale = "made with Python $v" }
    elseif ((Test-Path $Stamp) -and ((Get-Content $Stamp -Raw).Trim() -eq (Get-InstallKey).Trim())) { Start-Workbench @args }
} elseif (Test-Path $Venv) { $Stale = "without a working Python" }

# 2. Find a Python that is new enough before anything is created.
$Python = $null; $Seen = @()
$Candidates = @()
if ($env:PYTHON) { $Candidates += ,@($env:PYTHON) } else { $Candidates += ,@("py", "-3"); $Candidates += ,@("python") }
foreach ($c in $Candidates) {
    $v = Get-PyVersion $c
    if (Test-VersionOk $v) { $Python = $c; break }
    $Seen += "$($c -join ' ') is $(if ($v) { $v } else { 'missing' })"
}
if (-not $Python) {
    Say "Workbench needs Python $RequiredMajor.$RequiredMinor or newer; found $($Seen -join ', ')."
    Say "  Install it from https://www.python.org/downloads/ (tick 'Add python.exe to PATH'), then run this again."
    if ($Stale) { Say "The existing $Venv was $Stale; it is not used and will be rebuilt with the new Python." }
    exit 1
}

# 3. (Re)build .venv and install; a failed first install leaves no .venv behind.
if ($Stale) { Say "$Venv was ${Stale}: rebuilding it."; Remove-Item -Recurse -Force $Venv }
$Created = $false
if (-not (Test-Path $VenvPython)) {
    Say "installing into $Venv (the first start needs the package index; later starts do not)"
    $Created = $true
    $exe, $rest = $Python
    & $exe @rest -m venv $Venv
    if ($LASTEXITCODE -ne 0) { Remove-Item -Recurse -Force $Venv -ErrorAction SilentlyContinue; Say "could not create $Venv."; exit 1 }
}
& $VenvPython -m pip install -q --upgrade pip
if ($LASTEXITCODE -eq 0) { & $VenvPython -m pip install -q -e . }
if ($LASTEXITCODE -eq 0) {
    Get-InstallKey | Set-Content -Encoding ascii $Stamp
} elseif ($Created) {
    Remove-Item -Recurse -Force $Venv
    Say "installation failed (is the package index reachable?); nothing was left behind, run this again."
    exit 1
} elseif (Test-Path $Stamp) {
    Say "pyproject.toml changed but the update could not be installed; starting the version installed before."
} else {
    Say "installation failed (is the package index reachable?); run this again."
    exit 1
}
Start-Workbench @args
