@echo off
rem Start Workbench on Windows (installs into .venv on the first run): scripts\run.bat [options]
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0run.ps1" %*
exit /b %ERRORLEVEL%
