# fooocus-gateway GPU image (DECISIONS §5). Build: docker compose build; run: docker compose up.
# For a CPU-only image: --build-arg ONNXRUNTIME_NODE_INSTALL=skip (no CUDA provider, libraries or keys).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: sqlite3 compiles with node-gyp here (no prebuilt binary is fetched, DECISIONS §6) ---
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
COPY package.json package-lock.json ./
# package.json denies onnxruntime-node's install script (allowScripts, npm >= 11.16); this image's
# npm 10 does not read that field, so the skip is also said here. The CUDA 12 execution provider is
# then fetched (from NuGet) only when asked for.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev && npm cache clean --force
RUN if [ "${ONNXRUNTIME_NODE_INSTALL}" = "cuda12" ]; then npm run install-cuda; fi

# --- runtime ---
FROM ${NODE_IMAGE}
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
# onnxruntime's CUDA provider loads the CUDA 12 runtime, cuBLAS, cuFFT, cuRAND and cuDNN 9 from the
# image; the NVIDIA container toolkit only injects the driver (libcuda). Version suffix of the CUDA packages:
ARG CUDA_PACKAGES_VERSION=12-8
# The CUDA keyring is fetched only for a CUDA image: a CPU-only build reaches no NVIDIA server.
RUN if [ "${ONNXRUNTIME_NODE_INSTALL}" = "cuda12" ]; then \
      node -e "fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error('HTTP ' + r.status); require('node:fs').writeFileSync('/tmp/cuda-keyring.deb', Buffer.from(await r.arrayBuffer())); })" \
           https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb \
      && dpkg -i /tmp/cuda-keyring.deb \
      && apt-get update \
      && apt-get install -y --no-install-recommends \
           cuda-cudart-${CUDA_PACKAGES_VERSION} libcublas-${CUDA_PACKAGES_VERSION} \
           libcufft-${CUDA_PACKAGES_VERSION} libcurand-${CUDA_PACKAGES_VERSION} libcudnn9-cuda-12 \
      && echo "/usr/local/cuda-$(echo ${CUDA_PACKAGES_VERSION} | tr - .)/targets/x86_64-linux/lib" > /etc/ld.so.conf.d/zz-cuda.conf \
      && ldconfig \
      && rm -rf /var/lib/apt/lists/* /tmp/cuda-keyring.deb; \
    fi
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NODE_ENV=production

WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node . .
# Pre-create the mount points so named volumes inherit the non-root owner. Bind mounts keep the
# host's owner (Docker creates missing host folders as root): `sudo chown -R 1000:1000 models outputs`
# on the host; until then the server says so and waits (--wait-for-writable-folders), no crash loop.
RUN mkdir -p /app/models /app/outputs && chown node:node /app/models /app/outputs
USER node

EXPOSE 8888 7866
# --listen binds 0.0.0.0 (a container must); 7866 serves FooocusAPI clients from the same queue.
CMD ["npm", "start", "--", "--device", "auto", "--also-listen", "7866", "--listen", "--wait-for-writable-folders"]
