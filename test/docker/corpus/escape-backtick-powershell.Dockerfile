# escape=`
FROM mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022
RUN pwsh -Command `
    # comment inside
    Write-Host 'a'; `
    Write-Host 'b'
COPY ["scripts\\setup.ps1", "C:\\setup.ps1"]
ENV PATH="C:\tools;${PATH}"
