# fooocus-gateway GPU image (DECISIONS §5). Build: docker compose build; run: docker compose up.
# For a CPU-only image: --build-arg ONNXRUNTIME_NODE_INSTALL=skip (then CUDA libraries are left out too).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: sqlite3 compiles with node-gyp here (no prebuilt binary is fetched, DECISIONS §6) ---
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The project .npmrc says onnxruntime-node-install=skip (dev machines are offline); this variable
# overrides it so npm ci fetches the CUDA 12 execution provider from NuGet. Must be set before npm ci.
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL}
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE}
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
# onnxruntime's CUDA provider loads the CUDA 12 runtime, cuBLAS, cuFFT, cuRAND and cuDNN 9 from the
# image; the NVIDIA container toolkit only injects the driver (libcuda). Version suffix of the CUDA packages:
ARG CUDA_PACKAGES_VERSION=12-8
ADD https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb /tmp/cuda-keyring.deb
RUN if [ "${ONNXRUNTIME_NODE_INSTALL}" = "cuda12" ]; then \
      dpkg -i /tmp/cuda-keyring.deb \
      && apt-get update \
      && apt-get install -y --no-install-recommends \
           cuda-cudart-${CUDA_PACKAGES_VERSION} libcublas-${CUDA_PACKAGES_VERSION} \
           libcufft-${CUDA_PACKAGES_VERSION} libcurand-${CUDA_PACKAGES_VERSION} libcudnn9-cuda-12 \
      && echo "/usr/local/cuda-$(echo ${CUDA_PACKAGES_VERSION} | tr - .)/targets/x86_64-linux/lib" > /etc/ld.so.conf.d/zz-cuda.conf \
      && ldconfig \
      && rm -rf /var/lib/apt/lists/*; \
    fi; \
    rm -f /tmp/cuda-keyring.deb
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NODE_ENV=production

WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node . .
# Pre-create the mount points so named volumes inherit the non-root owner (bind mounts keep the
# host's owner: make ./models readable and ./outputs writable for uid 1000).
RUN mkdir -p /app/models /app/outputs && chown node:node /app/models /app/outputs
USER node

EXPOSE 8888 7866
# --listen binds 0.0.0.0 (a container must); 7866 serves FooocusAPI clients from the same queue.
CMD ["npm", "start", "--", "--device", "auto", "--also-listen", "7866", "--listen"]
