; Inno Setup script: a per-user installer of the PyInstaller bundle (no admin rights needed).
; Saved as UTF-8 with a byte-order mark: the compiler then reads the Chinese names as Unicode.
;   iscc /DAppVersion=0.1.0 /DBundleDir=..\..\dist\workbench /DOutputDir=..\..\dist packaging\windows\workbench.iss
; Silent install for a school's deployment tools: workbench-setup.exe /VERYSILENT /CURRENTUSER /SUPPRESSMSGBOXES /NORESTART
; Silent uninstall: "%LOCALAPPDATA%\Programs\Workbench\unins000.exe" /VERYSILENT
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\workbench"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{6E7B1D2C-3F4A-4B8E-9C21-57A0D4E9B310}
AppName=Workbench 客服工作台
AppVersion={#AppVersion}
AppPublisher=Workbench
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Workbench
DefaultGroupName=Workbench
DisableProgramGroupPage=yes
; Per user by default (installs under %LOCALAPPDATA%\Programs); /ALLUSERS with admin rights for the whole PC.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=workbench-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\workbench.ico
UninstallDisplayIcon={app}\workbench.exe
LicenseFile=..\..\LICENSE
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
; Chinese first where this Inno Setup ships it (an official translation only in recent releases).
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Workbench 客服工作台"; Filename: "{app}\workbench.exe"
Name: "{group}\{cm:UninstallProgram,Workbench}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Workbench 客服工作台"; Filename: "{app}\workbench.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Run]
Filename: "{app}\workbench.exe"; Description: "{cm:LaunchProgram,Workbench}"; Flags: nowait postinstall skipifsilent
