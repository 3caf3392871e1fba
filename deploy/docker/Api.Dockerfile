# Connects.Api: the HTTP API (an Orleans client when Connects__Api__Mode=client).
# Build from the repository root:
#   docker build -f deploy/docker/Api.Dockerfile -t connects-api .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files only, so the layer is cached until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Grains/Connects.Grains.csproj src/Grains/
COPY src/Silo/Connects.Silo.csproj src/Silo/
COPY src/Api/Connects.Api.csproj src/Api/
RUN dotnet restore src/Api/Connects.Api.csproj

COPY src/Grains/ src/Grains/
COPY src/Silo/ src/Silo/
COPY src/Api/ src/Api/
# Connects.Api references Connects.Silo, whose build embeds these scripts.
COPY deploy/sql/ deploy/sql/
RUN dotnet publish src/Api/Connects.Api.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
ENV Urls=http://0.0.0.0:8080
COPY --from=build /app ./
EXPOSE 8080
# The non-root user that the .NET images ship (numeric, so runAsNonRoot can verify it).
USER $APP_UID
ENTRYPOINT ["dotnet", "Connects.Api.dll"]
