# IKE codec (gateway/ike)
